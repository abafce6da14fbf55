//! What a line can arrive as: the bare access-log line, or the JSON record Fluent Bit ships
//! (`{"log": "<line>", "ec2_instance_id": "i-..."}`, SPEC §3). Both the Lambda and the CLI read
//! lines through [`LineDecoder`], so the two cannot disagree on what a line is.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};

use crate::cursor::{Cursor, MAX_SKIP_DEPTH};
use crate::error::ParseError;
use crate::parser::Parser;
use crate::record::Record;
use crate::scan;

/// Buffers a [`LineDecoder`] reuses from line to line.
#[derive(Default)]
pub struct LineScratch {
    log: Vec<u8>,
    instance: String,
}

/// Turns one input line (bare or Fluent Bit JSON) into a [`Record`].
#[derive(Clone, Debug)]
pub struct LineDecoder {
    parser: Parser,
    log_key: String,
}

impl LineDecoder {
    pub fn new(parser: Parser, log_key: impl Into<String>) -> LineDecoder {
        LineDecoder {
            parser,
            log_key: log_key.into(),
        }
    }

    pub fn parser(&self) -> &Parser {
        &self.parser
    }

    /// Parses a line. A line with werkzeug colour codes is copied into `scratch` and the codes
    /// are removed there; every other line is parsed where it lies.
    pub fn decode<'a>(
        &self,
        line: &'a [u8],
        scratch: &'a mut LineScratch,
    ) -> Result<Record<'a>, ParseError> {
        let first = line.iter().position(|b| !b.is_ascii_whitespace());
        let LineScratch { log, instance } = scratch;
        match first {
            Some(i) if line[i] == b'{' => {
                log.clear();
                instance.clear();
                match extract_fluent_bit(&line[i..], &self.log_key, log, instance) {
                    Ok(()) => {}
                    // No line in it: an nginx JSON access log, when it has one's time.
                    Err(ParseError::MissingLogField)
                        if self.parser.format().takes_json()
                            && crate::format::json_log::looks_like(&line[i..]) =>
                    {
                        return self.parser.parse(line);
                    }
                    Err(e) => return Err(e),
                }
                // The instance id is set inside the result, not after a `?`: taking the
                // record out and wrapping it again copied all of it (`memcpy`) for every line.
                let mut parsed = self.parser.parse_mut(log.as_mut_slice());
                if let Ok(rec) = &mut parsed {
                    if !instance.is_empty() {
                        rec.instance_id = Some(instance.as_str());
                    }
                }
                parsed
            }
            _ if memchr::memchr(0x1b, line).is_some() => {
                log.clear();
                log.extend_from_slice(line);
                self.parser.parse_mut(log.as_mut_slice())
            }
            _ => self.parser.parse(line),
        }
    }
}

/// Copies the line out of a Fluent Bit record into `log`, and the instance id into `instance`.
fn extract_fluent_bit(
    json: &[u8],
    log_key: &str,
    log: &mut Vec<u8>,
    instance: &mut String,
) -> Result<(), ParseError> {
    match read_fast(json, log_key, log, instance) {
        Some(true) => Ok(()),
        Some(false) => Err(ParseError::MissingLogField),
        None => {
            log.clear();
            instance.clear();
            extract_serde(json, log_key, log, instance)
        }
    }
}

/// serde_json alone: the reference [`read_fast`] answers for.
fn extract_serde(
    json: &[u8],
    log_key: &str,
    log: &mut Vec<u8>,
    instance: &mut String,
) -> Result<(), ParseError> {
    let mut de = serde_json::Deserializer::from_slice(json);
    let found = RecordSeed {
        log_key,
        log,
        instance,
    }
    .deserialize(&mut de)
    .map_err(|e| {
        if e.is_data() {
            ParseError::MissingLogField
        } else {
            ParseError::InvalidJson
        }
    })?;
    de.end().map_err(|_| ParseError::InvalidJson)?;
    if !found {
        return Err(ParseError::MissingLogField);
    }
    Ok(())
}

/// The Fluent Bit record read by a [`Cursor`], member by member as [`RecordSeed`] takes them.
/// `Some(found a line)` only when serde_json would read the same; `None` sends the record to
/// serde_json, which then also words any error. Lines are a few hundred bytes, and serde_json
/// cost more than parsing them: its scratch buffer is allocated and grown again for every
/// deserializer, and every line has escaped quotes.
fn read_fast(json: &[u8], log_key: &str, log: &mut Vec<u8>, instance: &mut String) -> Option<bool> {
    let mut c = Cursor::new(json);
    c.eat(b'{')?;
    let mut best: Option<Key> = None;
    if c.peek_value()? == b'}' {
        c.i += 1;
    } else {
        loop {
            let key = Key::of(c.key_text()?, log_key);
            match key {
                Key::Instance => {
                    instance.clear();
                    if c.peek_value()? == b'"' {
                        let mut v = std::mem::take(instance).into_bytes();
                        c.string_into(&mut v)?;
                        // SAFETY: `string_into` answered, so it checked the text is UTF-8.
                        *instance = unsafe { String::from_utf8_unchecked(v) };
                    } else {
                        c.skip_value(MAX_SKIP_DEPTH)?;
                    }
                }
                Key::Configured | Key::Log | Key::Message if best.is_none_or(|b| key < b) => {
                    // Anything but a string is serde_json's error to word.
                    if c.peek_value()? != b'"' {
                        return None;
                    }
                    log.clear();
                    c.string_into(log)?;
                    best = Some(key);
                }
                _ => c.skip_value(MAX_SKIP_DEPTH)?,
            }
            if c.end_of(b'}')? {
                break;
            }
        }
    }
    c.at_end().then_some(best.is_some())
}

struct RecordSeed<'s> {
    log_key: &'s str,
    log: &'s mut Vec<u8>,
    instance: &'s mut String,
}

/// Which member a key names. The configured key wins over `log`, which wins over `message`.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Key {
    Configured,
    Log,
    Message,
    Instance,
    Other,
}

impl<'de> DeserializeSeed<'de> for RecordSeed<'_> {
    type Value = bool;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for RecordSeed<'_> {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
        let mut best: Option<Key> = None;
        while let Some(key) = map.next_key_seed(KeySeed(self.log_key))? {
            match key {
                Key::Instance => {
                    // Only a string is an instance id; null or anything else is ignored, not an
                    // error that would fail a good line.
                    self.instance.clear();
                    map.next_value_seed(StrOrIgnore(&mut *self.instance))?;
                }
                Key::Configured | Key::Log | Key::Message if best.is_none_or(|b| key < b) => {
                    self.log.clear();
                    map.next_value_seed(StrInto(&mut *self.log))?;
                    best = Some(key);
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(best.is_some())
    }
}

impl Key {
    fn of(key: &str, log_key: &str) -> Key {
        // Not `==`, whose `memcmp` call cost more than these few bytes.
        if key.len() == log_key.len() && scan::same(key.as_bytes(), log_key.as_bytes()) {
            Key::Configured
        } else if key == "log" {
            Key::Log
        } else if key == "message" {
            Key::Message
        } else if key == "ec2_instance_id" {
            Key::Instance
        } else {
            Key::Other
        }
    }
}

struct KeySeed<'k>(&'k str);

impl<'de> DeserializeSeed<'de> for KeySeed<'_> {
    type Value = Key;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Key, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed<'_> {
    type Value = Key;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a key")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Key, E> {
        Ok(Key::of(v, self.0))
    }
}

/// A buffer a JSON string value can be appended to.
trait Append {
    fn append(&mut self, s: &str);
}

impl Append for Vec<u8> {
    fn append(&mut self, s: &str) {
        self.extend_from_slice(s.as_bytes());
    }
}

impl Append for String {
    fn append(&mut self, s: &str) {
        self.push_str(s);
    }
}

/// Appends a JSON string value (unescaped by serde_json) to a buffer, without allocating.
struct StrInto<'b, T: Append>(&'b mut T);

impl<'de, T: Append> DeserializeSeed<'de> for StrInto<'_, T> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de, T: Append> Visitor<'de> for StrInto<'_, T> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        self.0.append(v);
        Ok(())
    }
}

/// Appends a string value; any other value is skipped.
struct StrOrIgnore<'b>(&'b mut String);

impl<'de> DeserializeSeed<'de> for StrOrIgnore<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for StrOrIgnore<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any value")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        self.0.push_str(v);
        Ok(())
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::Zone;
    use proptest::prelude::*;

    fn decoder(key: &str) -> LineDecoder {
        LineDecoder::new(Parser::new(Zone::named("Asia/Seoul").unwrap()), key)
    }

    const LINE: &str = r#"203.0.113.9 - - [22/Nov/2026:19:15:32.118 +0900] "GET /api/items?page=2 HTTP/1.1" 200 512 "-" "curl/8.5.0" 3.412"#;

    #[test]
    fn fluent_bit_record_gives_the_line_and_the_instance() {
        let json =
            serde_json::json!({"log": LINE, "ec2_instance_id": "i-0abc", "other": [1, {"x": 2}]});
        let bytes = json.to_string().into_bytes();
        let mut scratch = LineScratch::default();
        let rec = decoder("log").decode(&bytes, &mut scratch).unwrap();
        assert_eq!(rec.instance_id, Some("i-0abc"));
        assert_eq!(rec.path.unwrap().value(), "/api/items");
        assert_eq!(rec.duration_ms, Some(3.412));
    }

    #[test]
    fn an_instance_id_that_is_not_a_string_is_ignored() {
        for id in [
            serde_json::json!(null),
            serde_json::json!(7),
            serde_json::json!({"a": [1]}),
        ] {
            let mut scratch = LineScratch::default();
            let b = serde_json::json!({"log": LINE, "ec2_instance_id": id})
                .to_string()
                .into_bytes();
            let rec = decoder("log").decode(&b, &mut scratch).unwrap();
            assert_eq!(rec.instance_id, None, "{id}");
        }
    }

    #[test]
    fn message_is_the_fallback_and_the_configured_key_wins() {
        let mut scratch = LineScratch::default();
        let b = serde_json::json!({"message": LINE})
            .to_string()
            .into_bytes();
        assert!(decoder("log").decode(&b, &mut scratch).is_ok());

        let mut scratch = LineScratch::default();
        let b = serde_json::json!({"log": "garbage", "line": LINE})
            .to_string()
            .into_bytes();
        let rec = decoder("line").decode(&b, &mut scratch).unwrap();
        assert_eq!(rec.status, Some(200));
    }

    /// The fast reader's promise: when it answers, serde_json gives the same answer.
    /// Returns whether it answered.
    fn agrees(json: &[u8], key: &str) -> bool {
        let (mut log, mut instance) = (Vec::new(), String::new());
        let Some(found) = read_fast(json, key, &mut log, &mut instance) else {
            return false;
        };
        let (mut log2, mut instance2) = (Vec::new(), String::new());
        let serde = extract_serde(json, key, &mut log2, &mut instance2);
        let text = String::from_utf8_lossy(json);
        if found {
            assert_eq!(serde, Ok(()), "{text}");
            assert_eq!(
                (String::from_utf8_lossy(&log), &instance),
                (String::from_utf8_lossy(&log2), &instance2),
                "{text}"
            );
        } else {
            assert_eq!(serde, Err(ParseError::MissingLogField), "{text}");
        }
        true
    }

    #[test]
    fn plain_records_are_read_fast_and_as_serde_json_reads_them() {
        for (json, key) in [
            (r#"{"log":"a \"b\" c","ec2_instance_id":"i-1"}"#, "log"),
            (
                r#" { "log" : "x\\y\/z\b\f\n\r\t" , "n": [1, {"a": null}] } "#,
                "log",
            ),
            (
                r#"{"log":"caf\u00e9 \u001b[31m \u4e2d","ec2_instance_id":7}"#,
                "log",
            ),
            (r#"{"log":"한국어 ü","ec2_instance_id":"i-ü"}"#, "log"),
            (r#"{"message":"m","log":"l","line":"k"}"#, "line"),
            (r#"{"message":"m","log":"l"}"#, "log"),
            (r#"{"log":"first","log":"second"}"#, "log"),
            (
                r#"{"ec2_instance_id":"i-1","ec2_instance_id":null,"log":"x"}"#,
                "log",
            ),
            (r#"{"msg":"x"}"#, "log"),
            ("{}", "log"),
        ] {
            assert!(agrees(json.as_bytes(), key), "not read fast: {json}");
        }
    }

    #[test]
    fn what_the_fast_reader_leaves_to_serde_json_still_reads() {
        for json in [
            r#"{"log":"\ud83d\ude00"}"#, // a surrogate pair
            r#"{"log":"\ud83d"}"#,       // a lone surrogate: serde_json's error
            r#"{"log":"\u00G0"}"#,
            r#"{"log":"\q"}"#,
            "{\"log\":\"a\u{1}b\"}", // a control character
            r#"{"l\u006fg":"x"}"#,   // an escaped key
            r#"{"log":5}"#,
            r#"{"log":"x"} trailing"#,
            r#"{"log":"x""#,
            r#"{"log":"x","deep":[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]}"#,
            r#"{"log":"x","other":"a\"b"}"#,
        ] {
            assert!(!agrees(json.as_bytes(), "log"), "read fast: {json}");
        }
        let mut bad = br#"{"log":"ab"}"#.to_vec();
        bad[9] = 0xff;
        assert!(!agrees(&bad, "log"));
        let mut scratch = LineScratch::default();
        // The whole way: a surrogate pair, left to serde_json, still gives the character.
        let b = format!(
            r#"{{"log":"{}"}}"#,
            LINE.replace('"', r#"\""#)
                .replace("curl/8.5.0", r"curl\ud83d\ude00")
        );
        let rec = decoder("log").decode(b.as_bytes(), &mut scratch).unwrap();
        assert_eq!(rec.user_agent.unwrap().value(), "curl\u{1F600}");
    }

    /// The inside of a JSON string drawn to hit every escape; `\u` escapes of surrogates
    /// (which the fast reader leaves to serde_json) only when `surrogates`.
    fn any_text(surrogates: bool) -> impl Strategy<Value = String> {
        let unicode = if surrogates {
            (0u32..=0xffff).boxed()
        } else {
            prop_oneof![0u32..0xd800, 0xe000u32..=0xffff].boxed()
        };
        proptest::collection::vec(
            prop_oneof![
                Just(r#"\""#.to_string()),
                Just(r"\\".to_string()),
                Just(r"\/".to_string()),
                Just(r"\b\f\n\r\t".to_string()),
                unicode.prop_map(|u| format!(r"\u{u:04X}")),
                "[ -!#-\\[\\]-~]{0,12}",
                "[^\"\\\\\\x00-\\x1f]{0,3}",
            ],
            0..8,
        )
        .prop_map(|parts| parts.concat())
    }

    /// A Fluent Bit record with a `log` line and an instance id holding any escapes, and
    /// other members in any order, without escapes (skipped values with escapes are left to
    /// serde_json).
    fn plain_record() -> impl Strategy<Value = String> {
        let instance = prop_oneof![
            any_text(false).prop_map(|t| format!(r#""{t}""#)),
            Just("null".to_string()),
            Just("[1, {\"a\": 2.5e-3}]".to_string()),
        ];
        (
            any_text(false),
            instance,
            "[a-z ]{0,8}",
            any::<bool>(),
            "[ \t\n]{0,2}",
        )
            .prop_map(|(log, instance, other, first, ws)| {
                let mut m = [
                    format!(r#""log"{ws}:{ws}"{log}""#),
                    format!(r#""ec2_instance_id":{instance}"#),
                    format!(r#""other":"{other}""#),
                ];
                if first {
                    m.rotate_left(1);
                }
                format!("{ws}{{{ws}{}{ws}}}{ws}", m.join(&format!(",{ws}")))
            })
    }

    /// Any member, keys repeated and values of every type.
    fn any_member() -> impl Strategy<Value = String> {
        let key = prop_oneof![
            Just("log"),
            Just("message"),
            Just("line"),
            Just("ec2_instance_id"),
            Just("other"),
        ];
        let value = prop_oneof![
            4 => any_text(true).prop_map(|t| format!(r#""{t}""#)),
            1 => Just("null".to_string()),
            1 => Just("-12.5e3".to_string()),
            1 => Just("[1, {\"a\": [true, false]}]".to_string()),
        ];
        (key, value, "[ \t\n]{0,2}").prop_map(|(k, v, ws)| format!(r#"{ws}"{k}"{ws}:{ws}{v}{ws}"#))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(crate::proptest_cases(2000)))]

        /// Plain records are always read fast, and as serde_json reads them.
        #[test]
        fn plain_records_are_read_fast(json in plain_record()) {
            prop_assert!(agrees(json.as_bytes(), "log"), "not read fast: {}", json);
        }

        /// Any record: whenever read fast, read as serde_json reads it.
        #[test]
        fn any_record_is_read_as_serde_json_reads_it(
            members in proptest::collection::vec(any_member(), 0..6),
            key in prop_oneof![Just("log"), Just("line")],
        ) {
            agrees(format!("{{{}}}", members.join(",")).as_bytes(), key);
        }

        /// Damaged records (bytes inserted, removed or replaced) are never read differently.
        #[test]
        fn damaged_records_are_never_read_differently(
            members in proptest::collection::vec(any_member(), 1..4),
            edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0..3u8), 1..4),
        ) {
            let mut json = format!("{{{}}}", members.join(",")).into_bytes();
            for (at, byte, kind) in edits {
                let i = at.index(json.len());
                match kind {
                    0 => json.insert(i, byte),
                    1 => { json.remove(i); }
                    _ => json[i] = byte,
                }
                if json.is_empty() { break; }
            }
            agrees(&json, "log");
        }
    }

    #[test]
    fn json_without_a_line_or_broken_json_is_an_error() {
        let mut scratch = LineScratch::default();
        let b = br#"{"msg": "x"}"#.to_vec();
        assert_eq!(
            decoder("log").decode(&b, &mut scratch).unwrap_err(),
            ParseError::MissingLogField
        );
        let b = br#"{"log": 5}"#.to_vec();
        assert_eq!(
            decoder("log").decode(&b, &mut scratch).unwrap_err(),
            ParseError::MissingLogField
        );
        let b = br#"{"log": "x""#.to_vec();
        assert_eq!(
            decoder("log").decode(&b, &mut scratch).unwrap_err(),
            ParseError::InvalidJson
        );
        let b = br#"{"log": "x"} trailing"#.to_vec();
        assert_eq!(
            decoder("log").decode(&b, &mut scratch).unwrap_err(),
            ParseError::InvalidJson
        );
    }
}
