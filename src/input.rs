//! What a line can arrive as: the bare access-log line, or the JSON record Fluent Bit ships
//! (`{"log": "<line>", "ec2_instance_id": "i-..."}`, SPEC §3). Both the Lambda and the CLI read
//! lines through [`LineDecoder`], so the two cannot disagree on what a line is.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};

use crate::error::ParseError;
use crate::parser::Parser;
use crate::record::Record;

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
                extract_fluent_bit(&line[i..], &self.log_key, log, instance)?;
                let mut rec = self.parser.parse_mut(log.as_mut_slice())?;
                if !instance.is_empty() {
                    rec.instance_id = Some(instance.as_str());
                }
                Ok(rec)
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
        Ok(if v == self.0 {
            Key::Configured
        } else if v == "log" {
            Key::Log
        } else if v == "message" {
            Key::Message
        } else if v == "ec2_instance_id" {
            Key::Instance
        } else {
            Key::Other
        })
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
