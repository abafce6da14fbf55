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
//! through `f64` and can lose a millisecond. Here the event is read borrowing every string
//! ([`crate::event`]), base64 is SIMD (`crate::b64`, `base64-simd` behind it), and the response
//! is written once, straight into one buffer ([`response_buffer`]).
//! A test checks that both shapes stay compatible by reading our output with those types.

use std::collections::BTreeMap;

use crate::b64;
use crate::config::Config;
use crate::error::FailReason;
pub use crate::event::{Event, EventError};
use crate::input::{LineDecoder, LineScratch};
use crate::json::{escaped_len, write_record, write_str};
use crate::record::Record;
use crate::time::{HourCache, PartitionKeys};

/// How many failures the invocation log lists by record id (the counters cover all of them).
pub const LOGGED_FAILURES: usize = 20;

impl Event<'_> {
    /// The records, in order, as the transform takes them.
    pub fn inputs(&self) -> Vec<Input<'_>> {
        self.records
            .iter()
            .map(|r| Input {
                record_id: &r.record_id,
                record_id_plain: r.record_id_plain,
                arrival_ms: r.approximate_arrival_timestamp,
                data: Data::Base64 {
                    text: &r.data,
                    plain: r.data_plain,
                },
            })
            .collect()
    }
}

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

/// One record as the transform takes it: from a Firehose event, or from `accesslog replay`.
#[derive(Clone, Copy, Debug)]
pub struct Input<'a> {
    pub record_id: &'a str,
    /// `record_id` is known to hold no byte JSON escapes, so it is its own JSON string (the
    /// response budget then takes its length without a scan). False when not known.
    pub record_id_plain: bool,
    /// `approximateArrivalTimestamp`, epoch milliseconds: what the time guard measures against.
    pub arrival_ms: Option<i64>,
    pub data: Data<'a>,
}

/// A record's payload.
#[derive(Clone, Copy, Debug)]
pub enum Data<'a> {
    /// As Firehose sends it: base64 text, possibly invalid (even as UTF-8).
    Base64 {
        text: &'a [u8],
        /// Known to be ASCII with nothing JSON escapes, so the text is its own JSON string.
        /// False when not known.
        plain: bool,
    },
    /// Already decoded (replayed log lines).
    Raw(&'a [u8]),
}

impl Input<'_> {
    /// The length of the record id as a JSON string.
    fn record_id_len(&self) -> usize {
        if self.record_id_plain {
            self.record_id.len() + 2
        } else {
            escaped_len(self.record_id.as_bytes())
        }
    }
}

impl Data<'_> {
    /// Asks for this record's base64 text to be brought into cache. The event reader went over
    /// the whole event before the first record is decoded, so a record's text has left the
    /// core's caches by then, and its first reads waited on memory. (Prefetching two records
    /// ahead instead of one was slower.)
    #[inline]
    fn prefetch(&self) {
        if let Data::Base64 { text, .. } = self {
            let p = text.as_ptr();
            let mut k = 0;
            while k < text.len() {
                prefetch_line(p.wrapping_add(k));
                k += 64;
            }
            if !text.is_empty() {
                prefetch_line(p.wrapping_add(text.len() - 1));
            }
        }
    }

    /// The length of this data as a JSON string in the response (a failed record echoes it).
    fn response_len(&self) -> usize {
        match self {
            Data::Base64 { text, plain: true } => text.len() + 2,
            Data::Base64 { text, plain: false } => crate::json::string_len(text).0,
            Data::Raw(b) => base64_simd::STANDARD.encoded_length(b.len()) + 2,
        }
    }
}

/// Asks for the cache line holding `p` to be brought into the core's first-level cache: the
/// same hint on both architectures the crate ships for (the Lambda's arm64 and x86-64), nothing
/// elsewhere. A prefetch cannot fault, whatever the address.
#[inline(always)]
fn prefetch_line(p: *const u8) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: PREFETCHT0 is a hint: it reads nothing into registers, writes nothing and does
    // not fault.
    unsafe {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        _mm_prefetch(p as *const i8, _MM_HINT_T0)
    };
    #[cfg(target_arch = "aarch64")]
    // SAFETY: PRFM is a hint: it writes nothing, changes no flags and does not fault.
    unsafe {
        std::arch::asm!(
            "prfm pldl1keep, [{0}]",
            in(reg) p,
            options(nostack, preserves_flags, readonly)
        )
    };
    #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
    let _ = p;
}

/// Where the transform's verdicts go.
///
/// The transform decides every outcome (parsing, time guard, partition keys, the response
/// budget) and tells the sink; the sink only renders. [`Response`] writes the Firehose
/// response the Lambda returns; `accesslog replay` has a sink that writes the lake directly.
pub trait Sink {
    /// One parsed line of the record in progress, with its partition keys. Returns the length
    /// of the line's JSON as [`write_record`] writes it (the response budget counts it).
    fn line(&mut self, r: &Record<'_>, keys: &PartitionKeys, scratch: &mut Vec<u8>) -> usize;
    /// The record in progress is `Ok`, with these keys.
    fn ok(&mut self, i: usize, input: &Input<'_>, keys: &PartitionKeys);
    /// The record in progress is `Dropped` or `Failed`: lines given since the last verdict are
    /// discarded.
    fn not_ok(&mut self, i: usize, input: &Input<'_>, outcome: Outcome);
}

/// The Lambda's sink: the Firehose response JSON (`{"records":[...]}`) appended to a buffer.
pub struct Response<'o> {
    out: &'o mut Vec<u8>,
    /// The record in progress: its lines' JSON, each followed by `\n`.
    json: Vec<u8>,
    entries: usize,
}

impl<'o> Response<'o> {
    /// Starts a response in `out`; `json` is scratch space (kept across invocations so a warm
    /// Lambda does not grow it again).
    pub fn new(out: &'o mut Vec<u8>, mut json: Vec<u8>) -> Response<'o> {
        out.extend_from_slice(b"{\"records\":[");
        json.clear();
        Response {
            out,
            json,
            entries: 0,
        }
    }

    /// Closes the JSON array and object, and hands back the scratch space.
    pub fn finish(self) -> Vec<u8> {
        self.out.extend_from_slice(b"]}");
        self.json
    }

    fn head(&mut self, record_id: &str) {
        if self.entries > 0 {
            self.out.push(b',');
        }
        self.entries += 1;
        self.out.extend_from_slice(OK_HEAD);
        write_str(self.out, record_id.as_bytes());
    }
}

impl Sink for Response<'_> {
    #[inline]
    fn line(&mut self, r: &Record<'_>, _keys: &PartitionKeys, scratch: &mut Vec<u8>) -> usize {
        let before = self.json.len();
        write_record(&mut self.json, r, scratch);
        self.json.push(b'\n');
        self.json.len() - before
    }

    fn ok(&mut self, _i: usize, input: &Input<'_>, keys: &PartitionKeys) {
        self.head(input.record_id);
        self.out.extend_from_slice(OK_MID);
        let len = self.json.len();
        self.json.extend_from_slice(&[0; b64::PAD]);
        b64::encode_padded_append(&self.json, len, self.out);
        self.out
            .extend_from_slice(b"\",\"metadata\":{\"partitionKeys\":");
        keys.write_json(self.out);
        self.out.extend_from_slice(b"}}");
        self.json.clear();
    }

    fn not_ok(&mut self, _i: usize, input: &Input<'_>, outcome: Outcome) {
        self.json.clear();
        self.head(input.record_id);
        self.out.extend_from_slice(match outcome {
            Outcome::Dropped => DROPPED_MID,
            _ => FAILED_MID,
        });
        match input.data {
            Data::Base64 { text, .. } => write_str(self.out, text),
            Data::Raw(b) => {
                self.out.push(b'"');
                base64_simd::STANDARD.encode_append(b, self.out);
                self.out.push(b'"');
            }
        }
        self.out.extend_from_slice(EMPTY_METADATA);
    }
}

/// An empty buffer with room for the response to an event of `event_len` bytes.
///
/// The response is written once, front to back, into fresh memory, and on a cold start about
/// a third of the transform's time went to first-touch page faults: one per 4 KiB, ~600 for a
/// 3 MB batch. Transparent huge pages are asked for (`madvise`, Linux only), so each aligned
/// 2 MiB inside the buffer costs one fault. Kernels or settings without them ignore the hint.
pub fn response_buffer(event_len: usize) -> Vec<u8> {
    let out = Vec::with_capacity(event_len.saturating_mul(2));
    #[cfg(target_os = "linux")]
    {
        const HUGE: usize = 2 << 20;
        let start = (out.as_ptr() as usize).next_multiple_of(HUGE);
        let end = (out.as_ptr() as usize + out.capacity()) & !(HUGE - 1);
        if end > start {
            // SAFETY: [start, end) lies inside `out`'s allocation, which outlives the call, and
            // MADV_HUGEPAGE is advice: it changes no contents and its failure is harmless.
            unsafe { libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_HUGEPAGE) };
        }
    }
    out
}

/// Buffers reused across records and invocations, so a warm Lambda allocates nothing per record.
#[derive(Default)]
pub struct Buffers {
    decoded: Vec<u8>,
    unescape: Vec<u8>,
    line: LineScratch,
    fail_costs: Vec<usize>,
    hours: HourCache,
    response_json: Vec<u8>,
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
// `{"records":[` and `]}`.
const RESPONSE_FRAME_LEN: usize = 14;

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
        let event = Event::parse(event)?;
        let inputs = event.inputs();
        let start = out.len();
        let mut response = Response::new(out, std::mem::take(&mut bufs.response_json));
        let mut summary = self.run(&inputs, &mut response, bufs);
        bufs.response_json = response.finish();
        debug_assert_eq!(summary.response_bytes as usize, out.len() - start);
        summary.invocation_id = event.invocation_id().to_string();
        Ok(summary)
    }

    /// Runs one invocation's records through the transform, in order, telling `sink` each
    /// verdict. [`Summary::response_bytes`] is the size the Firehose response has (or would
    /// have) for these records, whatever the sink writes.
    pub fn run<S: Sink>(&self, inputs: &[Input<'_>], sink: &mut S, bufs: &mut Buffers) -> Summary {
        let mut summary = Summary {
            records_in: inputs.len() as u64,
            ..Summary::default()
        };
        // What the rest of the response costs if every remaining record fails with its original
        // data: an Ok record is only written if that still fits after it.
        let entry_len = |r: &Input, mid: &[u8]| {
            OK_HEAD.len()
                + r.record_id_len()
                + mid.len()
                + r.data.response_len()
                + EMPTY_METADATA.len()
        };
        let mut fail_costs = std::mem::take(&mut bufs.fail_costs);
        fail_costs.clear();
        fail_costs.extend(inputs.iter().map(|r| entry_len(r, FAILED_MID) + 1));
        let mut reserve: usize = fail_costs.iter().sum();
        let mut used = RESPONSE_FRAME_LEN;
        let budget = self.config.response_budget;

        for (i, rec) in inputs.iter().enumerate() {
            if let Some(next) = inputs.get(i + 1) {
                next.data.prefetch();
            }
            reserve -= fail_costs[i];
            if i > 0 {
                used += 1;
            }
            let mut outcome = self.process(rec, sink, bufs);
            if let Ok(Some((keys, json_len, lines))) = outcome {
                let ok_len = OK_HEAD.len()
                    + rec.record_id_len()
                    + OK_MID.len()
                    + base64_simd::STANDARD.encoded_length(json_len)
                    + OK_TAIL_LEN;
                // Failing a record only helps when its Ok form is the larger one.
                if used + ok_len + reserve > budget && ok_len > fail_costs[i] {
                    outcome = Err(FailReason::ResponseBudget);
                } else {
                    sink.ok(i, rec, &keys);
                    used += ok_len;
                    summary.count(rec.record_id, Outcome::Ok);
                    summary.lines_ok += lines;
                    continue;
                }
            }
            let o = match outcome {
                Ok(None) => Outcome::Dropped,
                Err(reason) => Outcome::Failed(reason),
                Ok(Some(_)) => unreachable!("Ok records were handled above"),
            };
            sink.not_ok(i, rec, o);
            used += entry_len(
                rec,
                if o == Outcome::Dropped {
                    DROPPED_MID
                } else {
                    FAILED_MID
                },
            );
            summary.count(rec.record_id, o);
        }
        bufs.fail_costs = fail_costs;
        summary.response_bytes = used as u64;
        summary
    }

    /// Decodes and parses one record, handing its lines to `sink`. `Ok(None)` means whitespace
    /// only; `Ok(Some((keys, json bytes, lines)))` a record that can be `Ok`.
    fn process<S: Sink>(
        &self,
        rec: &Input,
        sink: &mut S,
        bufs: &mut Buffers,
    ) -> Result<Option<(PartitionKeys, usize, u64)>, FailReason> {
        let Buffers {
            decoded,
            unescape,
            line: scratch,
            hours,
            ..
        } = bufs;
        let data: &[u8] = match rec.data {
            Data::Base64 { text: s, .. } => {
                decoded.clear();
                b64::decode_append(s, decoded).map_err(|_| FailReason::InvalidBase64)?;
                decoded
            }
            Data::Raw(b) => b,
        };
        let mut keys: Option<PartitionKeys> = None;
        let (mut json_len, mut lines) = (0, 0);
        // `memchr` rather than `split`, whose byte-at-a-time closure cost more than parsing.
        let mut rest = Some(data);
        while let Some(chunk) = rest.take() {
            let line = match memchr::memchr(b'\n', chunk) {
                Some(i) => {
                    rest = Some(&chunk[i + 1..]);
                    &chunk[..i]
                }
                None => chunk,
            };
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let r = self
                .decoder
                .decode(line, scratch)
                .map_err(FailReason::Parse)?;
            if let (Some(guard), Some(arrival)) = (self.config.time_guard, rec.arrival_ms) {
                if r.ts_ms < arrival.saturating_sub(guard.max_age_ms) {
                    return Err(FailReason::TooOld);
                }
                if r.ts_ms > arrival.saturating_add(guard.max_future_ms) {
                    return Err(FailReason::InFuture);
                }
            }
            let k = hours
                .lake_keys(r.ts_ms, &self.config.partition_tz)
                .map_err(FailReason::Parse)?;
            match keys {
                None => keys = Some(k),
                Some(first) if first != k => return Err(FailReason::MixedPartitions),
                Some(_) => {}
            }
            json_len += sink.line(&r, &k, unescape);
            lines += 1;
        }
        Ok(keys.map(|k| (k, json_len, lines)))
    }
}
