//! Reading a Firehose transformation event: the Lambda's invocation payload.
//!
//! serde_json reads an event correctly, but on a 3 MB batch it spends about 3 ms, most of it
//! on the structure around the data rather than on the data: derived visitors, key matching,
//! the `kinesisRecordMetadata` it skips, and whitespace a byte at a time. That was half of a
//! whole warm invocation.
//!
//! So [`Event::parse`] first tries a reader made for the shape Firehose sends. Keys may come
//! in any order, unknown fields of any JSON type are skipped, and the JSON may be compact or
//! pretty. It gives up, and returns `None`, on anything it is not sure of:
//! - a backslash escape anywhere;
//! - a key or id that is not printable ASCII;
//! - a duplicate key;
//! - a timestamp that is not a plain integer;
//! - nesting deeper than [`MAX_SKIP_DEPTH`];
//! - any JSON error.
//!
//! serde_json then reads the event. So when the fast reader answers, its answer is the one
//! serde_json gives. The tests check this on every event in `events/` and on generated and
//! mutated events.
//!
//! Firehose writes every record of a batch in one layout, so after the first record each one
//! is compared with the previous record's shape (`cursor::Shape`): keys, punctuation and the
//! metadata's layout compared as whole runs of bytes, only the values scanned. A record that
//! does not fit is read key by key as above, and its layout becomes the shape.

use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Deserializer};

pub use crate::cursor::MAX_SKIP_DEPTH;
use crate::cursor::{integer_value, Cursor, Shape};
use crate::scan;

/// A Firehose transformation event, read borrowing its strings.
#[derive(Deserialize, Debug, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Event<'a> {
    #[serde(borrow, default)]
    invocation_id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub(crate) records: Vec<InRecord<'a>>,
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub(crate) struct InRecord<'a> {
    #[serde(borrow)]
    pub(crate) record_id: Cow<'a, str>,
    #[serde(default, deserialize_with = "arrival_ms")]
    pub(crate) approximate_arrival_timestamp: Option<i64>,
    /// Bytes, not `str`: base64 is ASCII and decoding checks every byte anyway, so a UTF-8
    /// pass over a megabytes-long field would only repeat that check.
    #[serde(borrow)]
    pub(crate) data: Cow<'a, [u8]>,
    /// `data` is ASCII without a byte JSON escapes: the fast reader learns it while finding
    /// the string's end, which spares the transform another pass over megabytes of base64.
    /// False when not known.
    #[serde(skip)]
    pub(crate) data_plain: bool,
    /// `record_id` is ASCII without a byte JSON escapes: the fast reader takes nothing else.
    /// False when not known.
    #[serde(skip)]
    pub(crate) record_id_plain: bool,
}

/// The same record: the `_plain` hints are what one reader learned, not part of the record.
impl PartialEq for InRecord<'_> {
    fn eq(&self, other: &Self) -> bool {
        (
            &self.record_id,
            self.approximate_arrival_timestamp,
            &self.data,
        ) == (
            &other.record_id,
            other.approximate_arrival_timestamp,
            &other.data,
        )
    }
}

impl Eq for InRecord<'_> {}

/// Epoch milliseconds, as Firehose sends them (a number). Fractional numbers and digit strings
/// (old console samples) are accepted rather than failing the whole batch.
fn arrival_ms<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Ts<'a> {
        Int(i64),
        Float(f64),
        Str(&'a str),
    }
    Ok(match Option::<Ts>::deserialize(d)? {
        Some(Ts::Int(n)) => Some(n),
        Some(Ts::Float(f)) if f.is_finite() => Some(f as i64),
        Some(Ts::Str(s)) => s.trim().parse::<i64>().ok(),
        _ => None,
    })
}

/// The event itself cannot be read: no record can be answered, so the invocation fails and
/// Firehose retries it.
#[derive(Debug)]
pub struct EventError(pub String);

impl fmt::Display for EventError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "not a Firehose transformation event: {}", self.0)
    }
}

impl std::error::Error for EventError {}

impl<'a> Event<'a> {
    pub fn parse(bytes: &'a [u8]) -> Result<Event<'a>, EventError> {
        match read_fast(bytes) {
            Some(event) => Ok(event),
            None => Self::parse_serde(bytes),
        }
    }

    /// serde_json alone: the reference the fast reader answers for.
    fn parse_serde(bytes: &'a [u8]) -> Result<Event<'a>, EventError> {
        serde_json::from_slice(bytes).map_err(|e| EventError(e.to_string()))
    }

    pub fn invocation_id(&self) -> &str {
        self.invocation_id.as_deref().unwrap_or_default()
    }
}

/// The fast reader: `None` whenever it is not certain serde_json would read the same event.
fn read_fast(bytes: &[u8]) -> Option<Event<'_>> {
    let mut c = Cursor::new(bytes);
    c.eat(b'{')?;
    let mut invocation_id: Option<Option<&str>> = None;
    let mut records = None;
    loop {
        match c.key()? {
            b"invocationId" if invocation_id.is_none() => {
                invocation_id = Some(match c.peek_value()? {
                    b'n' => c.literal(b"null").map(|_| None)?,
                    _ => Some(c.text()?),
                });
            }
            b"records" if records.is_none() => records = Some(c.records()?),
            b"invocationId" | b"records" => return None, // duplicate: serde_json's error
            _ => c.skip_value(MAX_SKIP_DEPTH)?,
        }
        if c.end_of(b'}')? {
            break;
        }
    }
    c.skip_ws();
    if c.i != bytes.len() {
        return None;
    }
    Some(Event {
        invocation_id: invocation_id.flatten().map(Cow::Borrowed),
        records: records?,
    })
}

/// The capture slots of a record's shape.
const ID: u8 = 1;
const DATA: u8 = 2;
const ARRIVAL: u8 = 3;

impl<'a> Cursor<'a> {
    fn records(&mut self) -> Option<Vec<InRecord<'a>>> {
        self.eat(b'[')?;
        // Records are at least ~40 bytes; guessing from the size avoids regrowing the vector.
        let mut records = Vec::with_capacity((self.b.len() - self.i) / 512);
        if self.peek_value()? == b']' {
            self.i += 1;
            return Some(records);
        }
        // Firehose sends every record in one layout: a record is first compared with the
        // previous one's shape, and read the general way (its metadata again by a shape) when
        // it does not fit.
        let (mut record_shape, mut metadata_shape) = (Shape::default(), Shape::default());
        loop {
            self.skip_ws();
            let start = self.i;
            let record = match self.record_like(&record_shape) {
                Some(r) => r,
                None => {
                    self.i = start;
                    let r = self.record(&mut metadata_shape)?;
                    record_shape.learn(&self.b[start..self.i], start, |key| match key {
                        b"recordId" => ID,
                        b"data" => DATA,
                        b"approximateArrivalTimestamp" => ARRIVAL,
                        _ => 0,
                    });
                    r
                }
            };
            records.push(record);
            if self.end_of(b']')? {
                return Some(records);
            }
        }
    }

    /// A record that fits `shape`, learned from a record [`Cursor::record`] read.
    fn record_like(&mut self, shape: &Shape) -> Option<InRecord<'a>> {
        if shape.is_empty() {
            return None;
        }
        let mut caps = [(usize::MAX, 0); 4];
        if !self.fits(shape, &mut caps) {
            return None;
        }
        let text = |(a, b): (usize, usize)| self.b.get(a..b);
        // The general reader took `recordId` and `data` as strings, so the shape has their
        // holes; the holes hold only ASCII without escapes.
        let id = text(caps[ID as usize])?;
        let data = text(caps[DATA as usize])?;
        let arrival = match text(caps[ARRIVAL as usize]) {
            // A number hole holds a number the grammar was checked on; an integer, as the
            // general reader requires.
            Some(n) => Some(integer_value(n)?),
            None => None,
        };
        Some(InRecord {
            // SAFETY: a `Text` hole holds no byte of 0x80 and up (`json_special`).
            record_id: Cow::Borrowed(unsafe { std::str::from_utf8_unchecked(id) }),
            approximate_arrival_timestamp: arrival,
            data: Cow::Borrowed(data),
            data_plain: true,
            record_id_plain: true,
        })
    }

    fn record(&mut self, shape: &mut Shape) -> Option<InRecord<'a>> {
        self.eat(b'{')?;
        let (mut id, mut arrival, mut data) = (None, None, None);
        loop {
            match self.key()? {
                b"data" if data.is_none() => {
                    self.eat(b'"')?;
                    // serde_json reads bytes up to the closing quote checking nothing, so
                    // control and non-ASCII bytes are data too; only an escape is left to it.
                    let start = self.i;
                    let mut plain = true;
                    let end = loop {
                        let at = scan::first_json_special(self.b, self.i);
                        match *self.b.get(at)? {
                            b'"' => break at,
                            b'\\' => return None,
                            _ => plain = false,
                        }
                        self.i = at + 1;
                    };
                    self.i = end + 1;
                    data = Some((&self.b[start..end], plain));
                }
                b"recordId" if id.is_none() => id = Some(self.text()?),
                b"approximateArrivalTimestamp" if arrival.is_none() => {
                    arrival = Some(match self.peek_value()? {
                        b'n' => self.literal(b"null").map(|_| None)?,
                        b'-' | b'0'..=b'9' => Some(self.number()??),
                        _ => return None,
                    });
                }
                b"data" | b"recordId" | b"approximateArrivalTimestamp" => return None,
                _ => self.skip_value_like(shape)?,
            }
            if self.end_of(b'}')? {
                break;
            }
        }
        let (data, data_plain) = data?;
        Some(InRecord {
            record_id: Cow::Borrowed(id?),
            approximate_arrival_timestamp: arrival.flatten(),
            data: Cow::Borrowed(data),
            data_plain,
            record_id_plain: true,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::{json, Value};

    /// The fast reader's promise: when it answers, serde_json gives the same answer, and what
    /// it says is plain data is.
    fn agrees(bytes: &[u8]) -> Option<Event<'_>> {
        let fast = read_fast(bytes);
        if let Some(f) = &fast {
            for r in &f.records {
                let plain = !r.data.iter().any(|&b| scan::json_special(b));
                assert_eq!(r.data_plain, plain, "{:?}", r.data);
                let id_plain = !r.record_id.bytes().any(scan::json_special);
                assert!(!r.record_id_plain || id_plain, "{:?}", r.record_id);
            }
            match Event::parse_serde(bytes) {
                Ok(s) => assert_eq!(f, &s, "{}", String::from_utf8_lossy(bytes)),
                Err(e) => panic!(
                    "fast reader accepted what serde_json rejects ({e}): {}",
                    String::from_utf8_lossy(bytes)
                ),
            }
        }
        fast
    }

    #[test]
    fn every_sample_event_is_read_fast_and_as_serde_reads_it() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/events");
        let mut n = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "json") {
                let bytes = std::fs::read(&path).unwrap();
                let e =
                    agrees(&bytes).unwrap_or_else(|| panic!("{} not read fast", path.display()));
                // Compact, as Firehose sends it, too.
                let compact =
                    serde_json::to_vec(&serde_json::from_slice::<Value>(&bytes).unwrap()).unwrap();
                assert_eq!(agrees(&compact).as_ref(), Some(&e), "{}", path.display());
                n += 1;
            }
        }
        assert!(n >= 5, "only {n} sample events found in {dir}");
    }

    #[test]
    fn what_the_fast_reader_leaves_to_serde_json_still_reads() {
        let rec = |extra: Value| {
            let mut r = json!({"recordId": "a", "data": "QQ==", "approximateArrivalTimestamp": 5});
            r.as_object_mut()
                .unwrap()
                .extend(extra.as_object().unwrap().clone());
            serde_json::to_vec(&json!({"records": [r]})).unwrap()
        };
        for (bytes, why) in [
            (rec(json!({"recordId": "\u{e9}"})), "non-ASCII id"),
            (rec(json!({"recordId": "a\"b"})), "escaped id"),
            (rec(json!({"data": "QQ\u{1}=="})), "escaped data"),
            (
                rec(json!({"approximateArrivalTimestamp": 5.5})),
                "fractional arrival",
            ),
            (
                rec(json!({"approximateArrivalTimestamp": "5"})),
                "string arrival",
            ),
            (
                rec(json!({"approximateArrivalTimestamp": 12345678901234567890u64})),
                "huge arrival",
            ),
            (
                rec(json!({"meta": {"a": [[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]}})),
                "deep",
            ),
            (
                rec(json!({"meta": "tab\there"})),
                "escape in a skipped string",
            ),
        ] {
            assert!(read_fast(&bytes).is_none(), "{why}");
            let e = Event::parse(&bytes).unwrap_or_else(|err| panic!("{why}: {err}"));
            assert_eq!(e.records.len(), 1, "{why}");
        }
        // And what neither reads is an error from serde_json, with its position.
        for bad in [
            &br#"{"records":[{"recordId":"a","data":"x",}]}"#[..],
            br#"{"records":[{"recordId":"a","recordId":"b","data":""}]}"#,
            br#"{"records":[],"records":[]}"#,
            br#"{"records":[]} x"#,
            b"",
        ] {
            assert!(read_fast(bad).is_none());
            assert!(Event::parse(bad).is_err());
        }
    }

    #[test]
    fn a_record_that_breaks_the_layout_is_read_as_serde_json_reads_it() {
        let meta = r#"{"shardId":"shardId-000000000000","partitionKey":"k","approximateArrivalTimestamp":1432080000000,"sequenceNumber":"4966","subsequenceNumber":0}"#;
        let record = format!(
            r#"{{"recordId":"4966","approximateArrivalTimestamp":1432080000001,"data":"QQ==","kinesisRecordMetadata":{meta}}}"#
        );
        let in_meta = |from: &str, to: &str| record.replace(meta, &meta.replace(from, to));
        let own = |from: &str, to: &str| record.replacen(from, to, 1);
        for (last, read_fast_too) in [
            (record.clone(), true),
            // The metadata.
            (in_meta("\"k\"", "\"\""), true),
            (in_meta("\"k\"", "\"\u{e9}\""), true),
            (in_meta(":0}", ":-1.5e-3}"), true),
            (in_meta(":0}", ":{\"a\":[1]}}"), true),
            (in_meta(",\"partitionKey\"", " ,\"partitionKey\""), true),
            (in_meta("\"k\"", "\"a\u{1}b\""), false),
            (in_meta("\"k\"", "\"a\tb\""), false),
            (in_meta("\"k\"", r#""a\"b""#), false),
            (in_meta(":0}", ":01}"), false),
            (in_meta(":0}", ":1.}"), false),
            (in_meta(":0}", ":-}"), false),
            (in_meta(":0}", ":1e}"), false),
            (in_meta(":0}", ":.5}"), false),
            (in_meta(":0}", ":0,}"), false),
            (in_meta(",\"partitionKey\"", "\"partitionKey\""), false),
            (in_meta("}", ""), false),
            // The record's own fields.
            (own("\"4966\"", "\"\""), true),
            (own("\"QQ==\"", "\"\""), true),
            (own("\"QQ==\"", "\"Q\u{1}Q\u{e9}\""), true),
            (own("1432080000001", "null"), true),
            (own("1432080000001", "-7"), true),
            (own("\"recordId\":\"4966\",", ""), false),
            (
                own(
                    "\"recordId\":\"4966\",",
                    "\"extra\":[],\"recordId\":\"4966\",",
                ),
                true,
            ),
            (own("\"4966\"", "\"\u{e9}\""), false),
            (own("\"4966\"", r#""49\"66""#), false),
            (own("\"QQ==\"", r#""QQ\/==""#), false),
            (own("1432080000001", "1.5"), false),
            (own("1432080000001", "\"1\""), false),
            (own("1432080000001", "1234567890123456789"), false),
            (own("1432080000001", "01"), false),
            (own("\"data\":\"QQ==\",", ""), false),
            (own("\"data\"", "\"recordId\""), false),
            (own("{", "{\"data\":\"\","), false),
        ] {
            let text = format!(r#"{{"records":[{record},{record},{last}]}}"#);
            let read = agrees(text.as_bytes());
            assert_eq!(read.is_some(), read_fast_too, "{last}");
            let serde_reads = Event::parse_serde(text.as_bytes());
            assert_eq!(
                Event::parse(text.as_bytes()).ok(),
                serde_reads.ok(),
                "{last}"
            );
        }
    }

    /// JSON text for a value, with random whitespace between tokens.
    fn spaced(v: &Value, ws: &mut impl Iterator<Item = &'static str>, out: &mut String) {
        out.push_str(ws.next().unwrap());
        match v {
            Value::Object(m) => {
                out.push('{');
                for (i, (k, v)) in m.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(ws.next().unwrap());
                    out.push_str(&serde_json::to_string(k).unwrap());
                    out.push_str(ws.next().unwrap());
                    out.push(':');
                    spaced(v, ws, out);
                }
                out.push_str(ws.next().unwrap());
                out.push('}');
            }
            Value::Array(a) => {
                out.push('[');
                for (i, v) in a.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    spaced(v, ws, out);
                }
                out.push_str(ws.next().unwrap());
                out.push(']');
            }
            _ => out.push_str(&v.to_string()),
        }
        out.push_str(ws.next().unwrap());
    }

    fn any_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(Value::from),
            "[ -~]{0,12}|.{0,6}".prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::btree_map("[a-zA-Z]{1,6}", inner, 0..4)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    fn any_record() -> impl Strategy<Value = Value> {
        (
            "[ -~]{0,20}|.{0,4}",
            "[A-Za-z0-9+/=]{0,40}|.{0,8}",
            prop_oneof![
                Just(None),
                Just(Some(Value::Null)),
                any::<i64>().prop_map(|n| Some(Value::from(n))),
                (0i64..2_000_000_000_000).prop_map(|n| Some(Value::from(n))),
                any::<f64>()
                    .prop_filter("finite", |f| f.is_finite())
                    .prop_map(|f| Some(Value::from(f))),
                "[0-9 ]{0,14}".prop_map(|s| Some(Value::String(s))),
            ],
            prop::option::of(any_json()),
        )
            .prop_map(|(id, data, arrival, meta)| {
                let mut r = json!({"recordId": id, "data": data});
                if let Some(a) = arrival {
                    r["approximateArrivalTimestamp"] = a;
                }
                if let Some(m) = meta {
                    r["kinesisRecordMetadata"] = m;
                }
                r
            })
    }

    fn any_event() -> impl Strategy<Value = (String, bool)> {
        (
            prop::option::of(prop_oneof![
                Just(Value::Null),
                "[ -~]{0,10}".prop_map(Value::String)
            ]),
            prop::collection::vec(any_record(), 0..5),
            prop::option::of(any_json()),
            prop::collection::vec(
                prop_oneof![
                    Just(""),
                    Just(""),
                    Just(" "),
                    Just("\n  "),
                    Just("\t"),
                    Just("\r\n        ")
                ],
                64,
            ),
        )
            .prop_map(|(inv, records, extra, ws)| {
                let mut e = json!({"records": records});
                if let Some(i) = inv {
                    e["invocationId"] = i;
                }
                if let Some(x) = extra {
                    e["deliveryStreamArn"] = x;
                }
                let mut text = String::new();
                spaced(&e, &mut ws.into_iter().cycle(), &mut text);
                // Plain means nothing the fast reader leaves to serde_json.
                let plain = !text.contains('\\')
                    && text.is_ascii()
                    && e["records"].as_array().unwrap().iter().all(|r| {
                        matches!(&r["approximateArrivalTimestamp"], Value::Null)
                            || r["approximateArrivalTimestamp"].is_i64()
                    })
                    && !text.bytes().any(|b| b < 0x20 && !b" \n\t\r".contains(&b));
                (text, plain)
            })
    }

    /// Events whose records share one layout, metadata included, as Firehose sends them, with
    /// values of each kind and now and then a value of another kind, so that the reader's
    /// [`Shape`]s fit most records and not all. One whitespace string between all tokens keeps the layouts
    /// byte for byte the same.
    fn shaped_event() -> impl Strategy<Value = String> {
        let kinds = prop::collection::btree_map("[a-zA-Z]{1,8}", 0u8..4, 0..6);
        let values = (
            "[a-zA-Z0-9 :/-]{0,24}|.{0,3}",
            any::<i64>(),
            any::<f64>().prop_filter("finite", |f| f.is_finite()),
            prop::option::weighted(0.05, any_json()),
        );
        // The record's own fields: mostly what Firehose sends, now and then what it does not.
        let own = (
            "[0-9a-zA-Z]{1,24}|.{0,3}",
            "[A-Za-z0-9+/=]{0,40}|.{0,6}",
            prop_oneof![
                8 => (0i64..2_000_000_000_000).prop_map(Value::from),
                1 => Just(Value::Null),
                1 => any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(Value::from),
                1 => "[0-9]{1,3}".prop_map(Value::String),
            ],
        );
        (
            kinds,
            prop::collection::vec((own, prop::collection::vec(values, 6)), 1..6),
            prop::sample::select(&["", " ", "\n  ", "\r\n\t"][..]),
        )
            .prop_map(|(kinds, records, ws)| {
                let records: Vec<Value> = records
                    .into_iter()
                    .map(|((id, data, arrival), values)| {
                        let meta: serde_json::Map<String, Value> = kinds
                            .iter()
                            .zip(values)
                            .map(|((k, kind), (text, int, float, other))| {
                                let v = other.unwrap_or(match kind {
                                    0 => Value::String(text),
                                    1 => Value::from(int),
                                    2 => Value::from(float),
                                    _ => Value::Bool(int % 2 == 0),
                                });
                                (k.clone(), v)
                            })
                            .collect();
                        json!({"recordId": id, "approximateArrivalTimestamp": arrival,
                               "data": data, "kinesisRecordMetadata": meta})
                    })
                    .collect();
                let mut text = String::new();
                spaced(
                    &json!({ "records": records }),
                    &mut std::iter::repeat(ws),
                    &mut text,
                );
                text
            })
    }

    /// `bytes` with `edits` made at or after `from`.
    fn damage(
        mut bytes: Vec<u8>,
        from: usize,
        edits: Vec<(prop::sample::Index, usize, u8)>,
    ) -> Vec<u8> {
        for (at, kind, byte) in edits {
            let i = from + at.index(bytes.len() + 1 - from);
            match kind {
                0 => bytes.insert(i, byte),
                1 if i < bytes.len() => {
                    bytes.remove(i);
                }
                _ if i < bytes.len() => bytes[i] = byte,
                _ => {}
            }
        }
        bytes
    }

    fn edits() -> impl Strategy<Value = Vec<(prop::sample::Index, usize, u8)>> {
        let bytes = &[
            b',', b'}', b']', b'{', b'[', b'"', b'\\', b':', b'0', b'-', b'.', b'e', b' ', b'n',
            0x01, 0xc3,
        ][..];
        prop::collection::vec(
            (
                any::<prop::sample::Index>(),
                0usize..3,
                prop::sample::select(bytes),
            ),
            1..4,
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(crate::proptest_cases(2000)))]

        #[test]
        fn events_with_one_metadata_layout_read_fast_exactly_as_serde_json_reads_them(
            text in shaped_event(),
        ) {
            let fast = agrees(text.as_bytes());
            let v: Value = serde_json::from_str(&text).unwrap();
            let integer_arrivals = v["records"].as_array().unwrap().iter().all(|r| {
                let a = &r["approximateArrivalTimestamp"];
                a.is_null() || a.is_i64()
            });
            let plain = text.is_ascii() && !text.contains('\\') && integer_arrivals;
            let long_int = text.split(|c: char| !c.is_ascii_digit()).any(|d| d.len() > 18);
            if plain && !long_int {
                prop_assert!(fast.is_some(), "plain event not read fast: {}", text);
            }
        }

        #[test]
        fn damaged_events_with_one_metadata_layout_are_never_read_differently(
            text in shaped_event(),
            edits in edits(),
        ) {
            // Where a shape is used: the last record's metadata.
            let from = text.rfind("kinesisRecordMetadata").unwrap_or(0);
            agrees(&damage(text.into_bytes(), from, edits));
        }

        #[test]
        fn generated_events_read_fast_exactly_as_serde_json_reads_them((text, plain) in any_event()) {
            let fast = agrees(text.as_bytes());
            let long_int = text.split(|c: char| !c.is_ascii_digit()).any(|d| d.len() > 18);
            if plain && !long_int {
                prop_assert!(fast.is_some(), "plain event not read fast: {}", text);
            }
        }

        /// Damaged events: whatever the fast reader accepts, serde_json accepts the same way.
        #[test]
        fn damaged_events_are_never_read_differently((text, _) in any_event(), edits in edits()) {
            agrees(&damage(text.into_bytes(), 0, edits));
        }
    }
}
