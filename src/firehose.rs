//! The Firehose data-transformation contract (SPEC §5): a Firehose event in, the response out.
//!
//! [`Transformer::transform`] is the whole Lambda: the Lambda binary and `accesslog transform`
//! both call it with the event's bytes and print what it writes, so the two cannot differ.
//!
//! Rules it keeps, each tested in `tests/firehose.rs`:
//! - every input `recordId` comes back once, in input order, as `Ok`, `Dropped` or
//!   `ProcessingFailed`;
//! - `Ok` data is one JSON object per line, each followed by `\n`, with the four partition keys
//!   in `metadata.partitionKeys`;
//! - `Dropped` only for records holding nothing but whitespace;
//! - `ProcessingFailed` returns the input `data` unchanged, so Firehose writes the original bytes
//!   to the error prefix;
//! - a record whose lines fall into different partitions fails as a whole;
//! - the time guard and the response budget.
//!
//! Why the event is not read into `aws_lambda_events`' `KinesisFirehoseEvent`: its `Base64Data`
//! allocates a `Vec` per record with the scalar `base64` crate, and its arrival timestamp goes
//! through `f64` and can lose a millisecond. Here the event is parsed borrowing every string,
//! base64 is SIMD (`base64-simd`), and the response is written once, straight into one buffer.
//! A test checks that both shapes stay compatible by reading our output with those types.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Deserializer};

use crate::config::Config;
use crate::error::{FailReason, ParseError};
use crate::input::{LineDecoder, LineScratch};
use crate::json::{escaped_len, write_record, write_str};
use crate::time::PartitionKeys;

/// How many failures the invocation log lists by record id (the counters cover all of them).
pub const LOGGED_FAILURES: usize = 20;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Event<'a> {
    #[serde(borrow, default)]
    invocation_id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    records: Vec<InRecord<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct InRecord<'a> {
    #[serde(borrow)]
    record_id: Cow<'a, str>,
    #[serde(default, deserialize_with = "arrival_ms")]
    approximate_arrival_timestamp: Option<i64>,
    #[serde(borrow)]
    data: Cow<'a, str>,
}

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

/// The outcome of one record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Ok,
    Dropped,
    Failed(FailReason),
}

/// A failed record, for the invocation log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    pub record_id: String,
    pub reason: FailReason,
}

/// Counts for one invocation: what the invocation log line and the metrics report.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub invocation_id: String,
    pub records_in: u64,
    pub ok: u64,
    pub dropped: u64,
    /// Failed records by reason code.
    pub failed: BTreeMap<&'static str, u64>,
    /// Lines written into `Ok` records (a record can hold several).
    pub lines_ok: u64,
    /// The first [`LOGGED_FAILURES`] failures.
    pub failures: Vec<Failure>,
    pub response_bytes: u64,
}

impl Summary {
    pub fn failed_total(&self) -> u64 {
        self.failed.values().sum()
    }

    fn count(&mut self, record_id: &str, o: Outcome) {
        match o {
            Outcome::Ok => self.ok += 1,
            Outcome::Dropped => self.dropped += 1,
            Outcome::Failed(reason) => {
                *self.failed.entry(reason.code()).or_default() += 1;
                if self.failures.len() < LOGGED_FAILURES {
                    self.failures.push(Failure {
                        record_id: record_id.to_string(),
                        reason,
                    });
                }
            }
        }
    }
}

/// Buffers reused across records and invocations, so a warm Lambda allocates nothing per record.
#[derive(Default)]
pub struct Buffers {
    decoded: Vec<u8>,
    json: Vec<u8>,
    unescape: Vec<u8>,
    line: LineScratch,
    fail_costs: Vec<usize>,
}

/// The Firehose processor.
#[derive(Clone, Debug)]
pub struct Transformer {
    config: Config,
    decoder: LineDecoder,
}

// Fixed parts of the response entries; their lengths feed the budget.
const OK_HEAD: &[u8] = b"{\"recordId\":";
const OK_MID: &[u8] = b",\"result\":\"Ok\",\"data\":\"";
const OK_TAIL_LEN: usize =
    r#"","metadata":{"partitionKeys":{"year":"2026","month":"11","day":"23","hour":"08"}}}"#.len();
const FAILED_MID: &[u8] = b",\"result\":\"ProcessingFailed\",\"data\":";
const DROPPED_MID: &[u8] = b",\"result\":\"Dropped\",\"data\":";
// Non-Ok records carry empty partition keys: Firehose ignores them, and readers that model
// `metadata` as required (aws_lambda_events) can read every record.
const EMPTY_METADATA: &[u8] = b",\"metadata\":{\"partitionKeys\":{}}}";

impl Transformer {
    pub fn new(config: Config) -> Transformer {
        let decoder = LineDecoder::new(config.parser(), config.log_key.clone());
        Transformer { config, decoder }
    }

    /// Transforms one Firehose event (its JSON bytes), appending the response JSON to `out`.
    pub fn transform(
        &self,
        event: &[u8],
        out: &mut Vec<u8>,
        bufs: &mut Buffers,
    ) -> Result<Summary, EventError> {
        self.transform_with(event, out, bufs, |_, _| {})
    }

    /// [`Transformer::transform`], also telling `on_record` the outcome of each record (by its
    /// index in the event): `accesslog replay` writes the reason into each error envelope.
    pub fn transform_with(
        &self,
        event: &[u8],
        out: &mut Vec<u8>,
        bufs: &mut Buffers,
        mut on_record: impl FnMut(usize, Outcome),
    ) -> Result<Summary, EventError> {
        let event: Event = serde_json::from_slice(event).map_err(|e| EventError(e.to_string()))?;
        let mut summary = Summary {
            invocation_id: event
                .invocation_id
                .as_deref()
                .unwrap_or_default()
                .to_string(),
            records_in: event.records.len() as u64,
            ..Summary::default()
        };

        // What the rest of the response costs if every remaining record fails with its original
        // data: an Ok record is only written if that still fits after it.
        let fail_cost = |r: &InRecord| {
            OK_HEAD.len()
                + escaped_len(r.record_id.as_bytes())
                + FAILED_MID.len()
                + escaped_len(r.data.as_bytes())
                + EMPTY_METADATA.len()
                + 1
        };
        bufs.fail_costs.clear();
        bufs.fail_costs.extend(event.records.iter().map(fail_cost));
        let mut reserve: usize = bufs.fail_costs.iter().sum();
        let start = out.len();
        out.extend_from_slice(b"{\"records\":[");
        let budget = self.config.response_budget;

        for (i, rec) in event.records.iter().enumerate() {
            reserve -= bufs.fail_costs[i];
            if i > 0 {
                out.push(b',');
            }
            let mut outcome = self.process(rec, bufs);
            if let Ok(Some(keys)) = outcome {
                let ok_len = OK_HEAD.len()
                    + escaped_len(rec.record_id.as_bytes())
                    + OK_MID.len()
                    + base64_simd::STANDARD.encoded_length(bufs.json.len())
                    + OK_TAIL_LEN;
                // Failing a record only helps when its Ok form is the larger one.
                if out.len() - start + ok_len + reserve + 2 > budget && ok_len > bufs.fail_costs[i]
                {
                    outcome = Err(FailReason::ResponseBudget);
                } else {
                    out.extend_from_slice(OK_HEAD);
                    write_str(out, rec.record_id.as_bytes());
                    out.extend_from_slice(OK_MID);
                    base64_simd::STANDARD.encode_append(&bufs.json, out);
                    out.extend_from_slice(b"\",\"metadata\":{\"partitionKeys\":");
                    keys.write_json(out);
                    out.extend_from_slice(b"}}");
                    summary.count(&rec.record_id, Outcome::Ok);
                    on_record(i, Outcome::Ok);
                    summary.lines_ok += bufs.json.iter().filter(|&&b| b == b'\n').count() as u64;
                    continue;
                }
            }
            out.extend_from_slice(OK_HEAD);
            write_str(out, rec.record_id.as_bytes());
            let o = match outcome {
                Ok(None) => {
                    out.extend_from_slice(DROPPED_MID);
                    Outcome::Dropped
                }
                Err(reason) => {
                    out.extend_from_slice(FAILED_MID);
                    Outcome::Failed(reason)
                }
                Ok(Some(_)) => unreachable!("Ok records were written above"),
            };
            write_str(out, rec.data.as_bytes());
            out.extend_from_slice(EMPTY_METADATA);
            summary.count(&rec.record_id, o);
            on_record(i, o);
        }
        out.extend_from_slice(b"]}");
        summary.response_bytes = (out.len() - start) as u64;
        Ok(summary)
    }

    /// Decodes and parses one record into `bufs.json`. `Ok(None)` means whitespace only.
    fn process(
        &self,
        rec: &InRecord,
        bufs: &mut Buffers,
    ) -> Result<Option<PartitionKeys>, FailReason> {
        let Buffers {
            decoded,
            json,
            unescape,
            line: scratch,
            ..
        } = bufs;
        decoded.clear();
        json.clear();
        base64_simd::STANDARD
            .decode_append(rec.data.as_bytes(), decoded)
            .map_err(|_| FailReason::InvalidBase64)?;
        let mut keys: Option<PartitionKeys> = None;
        for line in decoded.split_mut(|&b| b == b'\n') {
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let r = self
                .decoder
                .decode(line, scratch)
                .map_err(FailReason::Parse)?;
            if let (Some(guard), Some(arrival)) =
                (self.config.time_guard, rec.approximate_arrival_timestamp)
            {
                if r.ts_ms < arrival.saturating_sub(guard.max_age_ms) {
                    return Err(FailReason::TooOld);
                }
                if r.ts_ms > arrival.saturating_add(guard.max_future_ms) {
                    return Err(FailReason::InFuture);
                }
            }
            let k = PartitionKeys::of(r.ts_ms, &self.config.partition_tz);
            // The keys are four-digit years; 9999-12-31 in UTC can be year 10000 in KST.
            if !(1..=9999).contains(&k.year) {
                return Err(FailReason::Parse(ParseError::InvalidTimestamp));
            }
            match keys {
                None => keys = Some(k),
                Some(first) if first != k => return Err(FailReason::MixedPartitions),
                Some(_) => {}
            }
            write_record(json, &r, unescape);
            json.push(b'\n');
        }
        Ok(keys)
    }
}
