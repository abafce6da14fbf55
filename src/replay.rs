//! The local stand-in for Firehose + S3 (`accesslog replay`).
//!
//! Lines are batched into Firehose transformation events the size of the processor buffer
//! (`BufferSizeInMBs`), each event goes through the same [`Transformer`] the Lambda runs, and
//! the response is handled the way Firehose handles it: `Ok` data is routed by
//! `metadata.partitionKeys` into per-partition buffers that are converted to Parquet by the Glue
//! schema and written when they reach the destination buffer size (64 MiB, the minimum with
//! format conversion) or at the end; `ProcessingFailed` records become error envelopes under
//! `errors/processing-failed/` keyed by arrival time; `Dropped` records are counted; an Ok row the
//! Glue schema cannot hold goes to `errors/format-conversion-failed/`, as Firehose does. Nothing
//! is lost: every record read is counted as exactly one of Ok, Dropped or Failed.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::json;

use crate::firehose::{Buffers, EventError, Outcome, Transformer};
use crate::lake::{data_dir, error_dir, ObjectNamer, RowBuffer};

/// Where and how the replay writes.
#[derive(Clone, Debug)]
pub struct Options {
    pub lake: PathBuf,
    /// The Lambda processor's buffer: payload bytes per invocation.
    pub processor_buffer: usize,
    /// The S3 destination buffer per partition: JSON bytes before a Parquet file is written.
    pub partition_buffer: usize,
    /// Delivery stream name, used in object names and the error envelopes.
    pub stream: String,
}

/// What a replay did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    pub records_in: u64,
    pub ok: u64,
    pub dropped: u64,
    pub failed: BTreeMap<&'static str, u64>,
    /// Ok JSON records that did not match the table (Firehose's `format-conversion-failed`).
    pub conversion_failed: u64,
    pub rows: u64,
    pub partitions: BTreeSet<String>,
    pub files: u64,
    pub error_files: u64,
    pub parquet_bytes: u64,
    pub invocations: u64,
}

impl Stats {
    pub fn failed_total(&self) -> u64 {
        self.failed.values().sum()
    }
}

pub struct Replay {
    transformer: Transformer,
    opts: Options,
    bufs: Buffers,
    event: Vec<u8>,
    pending: usize,
    payload: usize,
    response: Vec<u8>,
    decoded: Vec<u8>,
    outcomes: Vec<Outcome>,
    partitions: HashMap<String, RowBuffer>,
    errors: HashMap<PathBuf, Vec<u8>>,
    namer: ObjectNamer,
    seq: u64,
    key: String,
    pub stats: Stats,
}

#[derive(Deserialize)]
struct Response<'a> {
    #[serde(borrow)]
    records: Vec<ResponseRecord<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ResponseRecord<'a> {
    #[serde(borrow)]
    data: std::borrow::Cow<'a, str>,
    #[serde(borrow, default)]
    metadata: Option<Metadata<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Metadata<'a> {
    #[serde(borrow, default)]
    partition_keys: HashMap<&'a str, &'a str>,
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

impl Replay {
    pub fn new(transformer: Transformer, opts: Options) -> Replay {
        let namer = ObjectNamer::new(&opts.stream);
        Replay {
            transformer,
            opts,
            bufs: Buffers::default(),
            event: Vec::with_capacity(4 << 20),
            pending: 0,
            payload: 0,
            response: Vec::with_capacity(8 << 20),
            decoded: Vec::new(),
            outcomes: Vec::new(),
            partitions: HashMap::new(),
            errors: HashMap::new(),
            namer,
            seq: 0,
            key: String::new(),
            stats: Stats::default(),
        }
    }

    /// Adds one line as one record (what Fluent Bit and `RecordDeAggregation` deliver).
    pub fn push_line(&mut self, line: &[u8]) -> io::Result<()> {
        if self.pending > 0 && self.payload + line.len() > self.opts.processor_buffer {
            self.flush_batch()?;
        }
        if self.pending == 0 {
            self.event.clear();
            self.event.extend_from_slice(
                b"{\"invocationId\":\"replay\",\"region\":\"local\",\"records\":[",
            );
        } else {
            self.event.push(b',');
        }
        self.seq += 1;
        self.event.extend_from_slice(b"{\"recordId\":\"");
        self.event
            .extend_from_slice(itoa::Buffer::new().format(self.seq).as_bytes());
        self.event
            .extend_from_slice(b"\",\"approximateArrivalTimestamp\":");
        self.event
            .extend_from_slice(itoa::Buffer::new().format(now_ms()).as_bytes());
        self.event.extend_from_slice(b",\"data\":\"");
        base64_simd::STANDARD.encode_append(line, &mut self.event);
        self.event.extend_from_slice(b"\"}");
        self.pending += 1;
        self.payload += line.len();
        Ok(())
    }

    /// Runs a whole Firehose event (a `.json` file) through the transform as it is.
    pub fn push_event(&mut self, event: &[u8]) -> io::Result<()> {
        self.flush_batch()?;
        self.run_event(event)
    }

    fn flush_batch(&mut self) -> io::Result<()> {
        if self.pending == 0 {
            return Ok(());
        }
        self.event.extend_from_slice(b"]}");
        let event = std::mem::take(&mut self.event);
        let r = self.run_event(&event);
        self.event = event;
        self.pending = 0;
        self.payload = 0;
        r
    }

    fn run_event(&mut self, event: &[u8]) -> io::Result<()> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Arrivals {
            records: Vec<Arrival>,
        }
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Arrival {
            #[serde(default)]
            approximate_arrival_timestamp: Option<f64>,
        }
        self.response.clear();
        self.outcomes.clear();
        let outcomes = &mut self.outcomes;
        let summary = self
            .transformer
            .transform_with(event, &mut self.response, &mut self.bufs, |_, o| {
                outcomes.push(o)
            })
            .map_err(|e: EventError| io::Error::new(io::ErrorKind::InvalidData, e.to_string()))?;
        self.stats.invocations += 1;
        self.stats.records_in += summary.records_in;
        self.stats.ok += summary.ok;
        self.stats.dropped += summary.dropped;
        for (k, v) in &summary.failed {
            *self.stats.failed.entry(k).or_default() += v;
        }
        let response = std::mem::take(&mut self.response);
        let parsed: Response =
            serde_json::from_slice(&response).expect("the transform writes valid JSON");
        let attempt_end = now_ms();
        let mut arrivals: Option<Vec<i64>> = None;
        for (i, (rec, outcome)) in parsed.records.iter().zip(self.outcomes.iter()).enumerate() {
            match outcome {
                Outcome::Dropped => {}
                Outcome::Ok => {
                    let keys = rec.metadata.as_ref().map(|m| &m.partition_keys);
                    let get = |k: &str| keys.and_then(|m| m.get(k).copied()).unwrap_or("");
                    self.key.clear();
                    for k in ["year", "month", "day", "hour"] {
                        self.key.push_str(get(k));
                        self.key.push('/');
                    }
                    self.decoded.clear();
                    base64_simd::STANDARD
                        .decode_append(rec.data.as_bytes(), &mut self.decoded)
                        .expect("Ok data is base64");
                    if !self.partitions.contains_key(self.key.as_str()) {
                        self.partitions.insert(self.key.clone(), RowBuffer::new());
                    }
                    let buf = self
                        .partitions
                        .get_mut(self.key.as_str())
                        .expect("inserted above");
                    for line in self
                        .decoded
                        .split(|&b| b == b'\n')
                        .filter(|l| !l.is_empty())
                    {
                        match buf.append_json(line) {
                            Ok(()) => self.stats.rows += 1,
                            Err(e) => {
                                // Firehose writes rows it cannot convert under this prefix.
                                self.stats.conversion_failed += 1;
                                let envelope = json!({
                                    "attemptsMade": 1,
                                    "arrivalTimestamp": attempt_end,
                                    "errorCode": "DataFormatConversion.MalformedData",
                                    "errorMessage": e.to_string(),
                                    "attemptEndingTimestamp": attempt_end,
                                    "rawData": base64_simd::STANDARD.encode_to_string(line),
                                });
                                let dir = error_dir(
                                    &self.opts.lake,
                                    attempt_end,
                                    "format-conversion-failed",
                                );
                                let out = self.errors.entry(dir).or_default();
                                serde_json::to_writer(&mut *out, &envelope)
                                    .expect("JSON values serialize");
                                out.push(b'\n');
                            }
                        }
                    }
                    if buf.bytes >= self.opts.partition_buffer {
                        let keys = [get("year"), get("month"), get("day"), get("hour")];
                        let dir = data_dir(&self.opts.lake, &keys);
                        let path = dir.join(self.namer.name(now_ms(), ".parquet"));
                        self.stats.parquet_bytes += buf.write_parquet(&path)?;
                        self.stats.files += 1;
                    }
                }
                Outcome::Failed(reason) => {
                    let arrival = *arrivals
                        .get_or_insert_with(|| {
                            serde_json::from_slice::<Arrivals>(event)
                                .map(|a| {
                                    a.records
                                        .iter()
                                        .map(|r| {
                                            r.approximate_arrival_timestamp
                                                .map_or(attempt_end, |t| t as i64)
                                        })
                                        .collect()
                                })
                                .unwrap_or_default()
                        })
                        .get(i)
                        .unwrap_or(&attempt_end);
                    let envelope = json!({
                        "attemptsMade": 1,
                        "arrivalTimestamp": arrival,
                        "errorCode": "Lambda.ProcessingFailed",
                        "errorMessage": reason.to_string(),
                        "attemptEndingTimestamp": attempt_end,
                        "rawData": rec.data,
                        "lambdaArn": format!("arn:aws:lambda:local:000000000000:function:{}-transform:$LATEST", self.opts.stream),
                    });
                    let out = self
                        .errors
                        .entry(error_dir(&self.opts.lake, arrival, "processing-failed"))
                        .or_default();
                    serde_json::to_writer(&mut *out, &envelope).expect("JSON values serialize");
                    out.push(b'\n');
                }
            }
        }
        self.response = response;
        Ok(())
    }

    /// Writes everything still buffered and returns the totals.
    pub fn finish(mut self) -> io::Result<Stats> {
        self.flush_batch()?;
        // Every partition that received a row; derived here rather than tracked per record.
        self.stats.partitions = self.partitions.keys().cloned().collect();
        let keys: Vec<String> = self.stats.partitions.iter().cloned().collect();
        for key in keys {
            let buf = self.partitions.get_mut(&key).expect("listed");
            if buf.rows() == 0 {
                continue;
            }
            let parts: Vec<&str> = key.split('/').collect();
            let dir = data_dir(&self.opts.lake, &[parts[0], parts[1], parts[2], parts[3]]);
            let path = dir.join(self.namer.name(now_ms(), ".parquet"));
            self.stats.parquet_bytes += buf.write_parquet(&path)?;
            self.stats.files += 1;
        }
        for (dir, data) in std::mem::take(&mut self.errors) {
            std::fs::create_dir_all(&dir)?;
            let path = dir.join(self.namer.name(now_ms(), ""));
            std::fs::File::create(&path)?.write_all(&data)?;
            self.stats.error_files += 1;
        }
        Ok(self.stats)
    }
}

/// Whether a path names a Firehose event rather than a log file.
pub fn is_event_file(p: &Path) -> bool {
    p.extension().is_some_and(|e| e == "json")
}
