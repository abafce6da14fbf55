//! The local stand-in for Firehose + S3 (`accesslog replay`).
//!
//! Lines are batched into invocations the size of the processor buffer (`BufferSizeInMBs`) and
//! each batch goes through the same [`Transformer::run`] the Lambda runs, record ids, arrival
//! times, time guard and 6 MB response budget included. What Firehose does with the response
//! is done by the [`Sink`] here: `Ok` lines are routed by their partition keys into
//! per-partition row buffers, written as Parquet by the Glue schema when they reach the
//! destination buffer size (64 MiB, the minimum with format conversion) or at the end;
//! `ProcessingFailed` records become error envelopes under `errors/processing-failed/` keyed by
//! arrival time; `Dropped` records are counted. Nothing is lost: every record read is counted
//! as exactly one of Ok, Dropped or Failed.
//!
//! The rows go straight from the parsed record into Parquet columns
//! ([`RowBuffer::append_record`]) instead of through the response's base64 JSON and a JSON
//! reader: a property test holds that path to what Firehose's JSON → Parquet conversion makes
//! of the Lambda's output ([`RowBuffer::append_json`]). Firehose events given as files go
//! through the same path after their JSON is read.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde_json::json;

use crate::firehose::{Buffers, Data, Event, Input, Outcome, Sink, Transformer};
use crate::lake::{error_dir, Mark, ObjectNamer, RowBuffer};
use crate::record::Record;
use crate::time::PartitionKeys;

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
    /// The batch being collected: line bytes back to back, where each ends, when each arrived.
    data: Vec<u8>,
    ends: Vec<usize>,
    arrivals: Vec<i64>,
    clock_ms: i64,
    ids: String,
    id_ends: Vec<usize>,
    seq: u64,
    lake: Lake,
    namer: ObjectNamer,
    pub stats: Stats,
}

/// Firehose's side of the response: the transform's sink.
struct Lake {
    dir: PathBuf,
    lambda_arn: String,
    /// Row buffers by partition; `index` finds them, `last` is the one the previous line went to
    /// (consecutive lines nearly always share an hour).
    partitions: Vec<(PartitionKeys, RowBuffer)>,
    index: HashMap<PartitionKeys, usize>,
    last: usize,
    /// The invocation that last gave each partition a line, and the current one.
    used_in: Vec<u64>,
    invocation: u64,
    /// The partition of the record in progress, and the point to go back to if it is not `Ok`.
    current: Option<(usize, Mark)>,
    rows: u64,
    errors: HashMap<PathBuf, Vec<u8>>,
    attempt_end: i64,
}

impl Sink for Lake {
    fn line(&mut self, r: &Record<'_>, keys: &PartitionKeys, scratch: &mut Vec<u8>) -> usize {
        if self
            .partitions
            .get(self.last)
            .is_none_or(|(k, _)| k != keys)
        {
            let next = self.partitions.len();
            self.last = *self.index.entry(*keys).or_insert(next);
            if self.last == next {
                self.partitions.push((*keys, RowBuffer::new()));
                self.used_in.push(self.invocation);
            }
        }
        self.used_in[self.last] = self.invocation;
        let buf = &mut self.partitions[self.last].1;
        if self.current.is_none() {
            self.current = Some((self.last, buf.mark()));
        }
        // The line's JSON and its newline: what the partition buffer's size counts.
        buf.bytes += 1;
        buf.append_record(r, scratch) + 1
    }

    fn ok(&mut self, _i: usize, _input: &Input<'_>, _keys: &PartitionKeys) {
        if let Some((p, mark)) = self.current.take() {
            self.rows += (self.partitions[p].1.rows() - mark.rows) as u64;
        }
    }

    fn not_ok(&mut self, _i: usize, input: &Input<'_>, outcome: Outcome) {
        if let Some((p, mark)) = self.current.take() {
            self.partitions[p].1.truncate(mark);
        }
        let Outcome::Failed(reason) = outcome else {
            return;
        };
        let arrival = input.arrival_ms.unwrap_or(self.attempt_end);
        let raw = match input.data {
            Data::Base64 { text, .. } => String::from_utf8_lossy(text).into_owned(),
            Data::Raw(b) => base64_simd::STANDARD.encode_to_string(b),
        };
        let envelope = json!({
            "attemptsMade": 1,
            "arrivalTimestamp": arrival,
            "errorCode": "Lambda.ProcessingFailed",
            "errorMessage": reason.to_string(),
            "attemptEndingTimestamp": self.attempt_end,
            "rawData": raw,
            "lambdaArn": self.lambda_arn,
        });
        let out = self
            .errors
            .entry(error_dir(&self.dir, arrival, "processing-failed"))
            .or_default();
        serde_json::to_writer(&mut *out, &envelope).expect("JSON values serialize");
        out.push(b'\n');
    }
}

/// Rows a partition collects before they are encoded into its Parquet pages: enough for the
/// encoders to work in long runs, few enough to stay in cache.
const ENCODE_ROWS: usize = 16_384;

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

impl Replay {
    pub fn new(transformer: Transformer, opts: Options) -> Replay {
        let lake = Lake {
            dir: opts.lake.clone(),
            lambda_arn: format!(
                "arn:aws:lambda:local:000000000000:function:{}-transform:$LATEST",
                opts.stream
            ),
            partitions: Vec::new(),
            index: HashMap::new(),
            last: 0,
            used_in: Vec::new(),
            invocation: 0,
            current: None,
            rows: 0,
            errors: HashMap::new(),
            attempt_end: 0,
        };
        Replay {
            transformer,
            bufs: Buffers::default(),
            data: Vec::with_capacity(opts.processor_buffer + (64 << 10)),
            ends: Vec::new(),
            arrivals: Vec::new(),
            clock_ms: 0,
            ids: String::new(),
            id_ends: Vec::new(),
            seq: 0,
            namer: ObjectNamer::new(&opts.stream),
            opts,
            lake,
            stats: Stats::default(),
        }
    }

    /// Adds one line as one record (what Fluent Bit and `RecordDeAggregation` deliver).
    pub fn push_line(&mut self, line: &[u8]) -> io::Result<()> {
        if !self.ends.is_empty() && self.data.len() + line.len() > self.opts.processor_buffer {
            self.flush_batch()?;
        }
        // Lines read back to back arrive within microseconds of each other: reading the clock for
        // every 64th line keeps arrival times to the millisecond at a fraction of the cost.
        if self.ends.len() % 64 == 0 {
            self.clock_ms = now_ms();
        }
        self.data.extend_from_slice(line);
        self.ends.push(self.data.len());
        self.arrivals.push(self.clock_ms);
        Ok(())
    }

    /// Runs a whole Firehose event (a `.json` file) through the transform as it is.
    pub fn push_event(&mut self, event: &[u8]) -> io::Result<()> {
        self.flush_batch()?;
        let event =
            Event::parse(event).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
        self.run(&event.inputs())
    }

    /// One invocation for the lines collected so far; record ids number on from the last batch.
    fn flush_batch(&mut self) -> io::Result<()> {
        if self.ends.is_empty() {
            return Ok(());
        }
        self.ids.clear();
        self.id_ends.clear();
        for _ in 0..self.ends.len() {
            self.seq += 1;
            self.ids.push_str(itoa::Buffer::new().format(self.seq));
            self.id_ends.push(self.ids.len());
        }
        let span = |ends: &[usize], i: usize| (if i == 0 { 0 } else { ends[i - 1] })..ends[i];
        let inputs: Vec<Input> = (0..self.ends.len())
            .map(|i| Input {
                record_id: &self.ids[span(&self.id_ends, i)],
                record_id_plain: true, // digits
                arrival_ms: Some(self.arrivals[i]),
                data: Data::Raw(&self.data[span(&self.ends, i)]),
            })
            .collect();
        Self::invoke(
            &self.transformer,
            &mut self.lake,
            &mut self.bufs,
            &mut self.stats,
            &inputs,
        );
        self.data.clear();
        self.ends.clear();
        self.arrivals.clear();
        self.write_full_partitions()
    }

    fn run(&mut self, inputs: &[Input<'_>]) -> io::Result<()> {
        Self::invoke(
            &self.transformer,
            &mut self.lake,
            &mut self.bufs,
            &mut self.stats,
            inputs,
        );
        self.write_full_partitions()
    }

    fn invoke(
        transformer: &Transformer,
        lake: &mut Lake,
        bufs: &mut Buffers,
        stats: &mut Stats,
        inputs: &[Input<'_>],
    ) {
        lake.attempt_end = now_ms();
        lake.invocation += 1;
        let summary = transformer.run(inputs, lake, bufs);
        stats.invocations += 1;
        stats.records_in += summary.records_in;
        stats.ok += summary.ok;
        stats.dropped += summary.dropped;
        for (k, v) in &summary.failed {
            *stats.failed.entry(k).or_default() += v;
        }
    }

    /// Firehose writes a partition's object when its buffer fills. Between invocations no
    /// record is in progress, so rows can also be encoded, and a partition the last invocation
    /// did not touch (an hour the input has moved past) is encoded whole and parked.
    fn write_full_partitions(&mut self) -> io::Result<()> {
        for p in 0..self.lake.partitions.len() {
            let buf = &mut self.lake.partitions[p].1;
            if buf.bytes >= self.opts.partition_buffer {
                self.write_partition(p)?;
            } else if self.lake.used_in[p] < self.lake.invocation {
                buf.park()?;
            } else {
                buf.encode(ENCODE_ROWS)?;
            }
        }
        Ok(())
    }

    fn write_partition(&mut self, p: usize) -> io::Result<()> {
        let (keys, buf) = &mut self.lake.partitions[p];
        if buf.rows() == 0 {
            return Ok(());
        }
        let path = self
            .opts
            .lake
            .join("logs")
            .join(keys.s3_prefix())
            .join(self.namer.name(now_ms(), ".parquet"));
        self.stats.parquet_bytes += buf.write_parquet(&path)?;
        self.stats.files += 1;
        self.stats
            .partitions
            .insert(keys.s3_prefix().trim_end_matches('/').to_string());
        Ok(())
    }

    /// Writes everything still buffered and returns the totals.
    pub fn finish(mut self) -> io::Result<Stats> {
        self.flush_batch()?;
        let mut order: Vec<usize> = (0..self.lake.partitions.len()).collect();
        order.sort_by_key(|&p| self.lake.partitions[p].0);
        for p in order {
            self.write_partition(p)?;
        }
        self.stats.rows = self.lake.rows;
        for (dir, data) in std::mem::take(&mut self.lake.errors) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn replay(lake: &Path, budget: usize) -> Replay {
        replay_in_batches_of(lake, budget, 1 << 20)
    }

    fn replay_in_batches_of(lake: &Path, budget: usize, processor_buffer: usize) -> Replay {
        let budget = budget.to_string();
        let cfg = Config::from_lookup(|k| match k {
            "TIME_GUARD" => Some("off".into()),
            "RESPONSE_BUDGET_BYTES" => Some(budget.clone()),
            _ => None,
        })
        .unwrap();
        Replay::new(
            Transformer::new(cfg),
            Options {
                lake: lake.to_path_buf(),
                processor_buffer,
                partition_buffer: 64 << 20,
                stream: "test".into(),
            },
        )
    }

    const LINE: &str = r#"203.0.113.9 - - [22/Nov/2026:19:15:32.118 +0900] "GET /a HTTP/1.1" 200 5 "-" "curl/8.5.0" 3.4"#;

    fn lake_rows(lake: &Path) -> usize {
        let mut rows = 0;
        for dir in std::fs::read_dir(lake.join("logs/year=2026/month=11/day=22/hour=19")).unwrap() {
            let f = std::fs::File::open(dir.unwrap().path()).unwrap();
            let r = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(f)
                .unwrap()
                .build()
                .unwrap();
            rows += r.map(|b| b.unwrap().num_rows()).sum::<usize>();
        }
        rows
    }

    #[test]
    fn lines_of_a_record_that_fails_later_are_taken_back() {
        let lake =
            std::env::temp_dir().join(format!("accesslog-replay-unit-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&lake);
        let mut r = replay(&lake, 6_000_000);
        // One record: a good line, then a line that fails the whole record.
        r.push_line(format!("{LINE}\nnot an access log line").as_bytes())
            .unwrap();
        r.push_line(LINE.as_bytes()).unwrap();
        let stats = r.finish().unwrap();
        assert_eq!((stats.ok, stats.failed_total(), stats.rows), (1, 1, 1));
        assert_eq!(lake_rows(&lake), 1);
        std::fs::remove_dir_all(&lake).unwrap();
    }

    #[test]
    fn records_past_the_response_budget_fail_and_leave_no_rows() {
        let lake =
            std::env::temp_dir().join(format!("accesslog-replay-budget-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&lake);
        // Room for about two Ok records out of five.
        let mut r = replay(&lake, 1_600);
        for _ in 0..5 {
            r.push_line(LINE.as_bytes()).unwrap();
        }
        let stats = r.finish().unwrap();
        assert!(
            stats.failed.get("response_budget").copied().unwrap_or(0) > 0,
            "{stats:?}"
        );
        assert!(stats.ok > 0, "{stats:?}");
        assert_eq!(stats.ok + stats.failed_total(), 5);
        assert_eq!(stats.rows, stats.ok);
        assert_eq!(lake_rows(&lake) as u64, stats.ok);
        std::fs::remove_dir_all(&lake).unwrap();
    }

    #[test]
    fn a_partition_parked_while_idle_takes_late_lines_and_keeps_them_in_order() {
        let lake =
            std::env::temp_dir().join(format!("accesslog-replay-park-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&lake);
        // About one line per invocation, so hour 19 sits idle (and is parked) while hour 20's
        // lines go through, then gets one more line.
        let mut r = replay_in_batches_of(&lake, 6_000_000, 120);
        let at = |time: &str, path: &str| {
            LINE.replace("19:15:32.118", time)
                .replace("/a HTTP", &format!("{path} HTTP"))
        };
        for (time, path) in [
            ("19:01:00.000", "/a1"),
            ("19:02:00.000", "/a2"),
            ("20:01:00.000", "/b1"),
            ("20:02:00.000", "/b2"),
            ("20:03:00.000", "/b3"),
            ("19:59:59.999", "/a3"),
            ("20:04:00.000", "/b4"),
        ] {
            r.push_line(at(time, path).as_bytes()).unwrap();
        }
        let stats = r.finish().unwrap();
        assert_eq!(stats.ok, 7, "{stats:?}");
        assert_eq!(stats.files, 2, "one object per hour");
        let paths = |hour: &str| -> Vec<String> {
            let dir = lake.join(format!("logs/year=2026/month=11/day=22/hour={hour}"));
            let mut out = Vec::new();
            for f in std::fs::read_dir(dir).unwrap() {
                let f = std::fs::File::open(f.unwrap().path()).unwrap();
                let r = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(f)
                    .unwrap()
                    .build()
                    .unwrap();
                for b in r {
                    let b = b.unwrap();
                    let col = b.column_by_name("path").unwrap();
                    let col = col
                        .as_any()
                        .downcast_ref::<arrow_array::StringArray>()
                        .unwrap();
                    out.extend(col.iter().map(|v| v.unwrap().to_string()));
                }
            }
            out
        };
        assert_eq!(paths("19"), ["/a1", "/a2", "/a3"]);
        assert_eq!(paths("20"), ["/b1", "/b2", "/b3", "/b4"]);
        std::fs::remove_dir_all(&lake).unwrap();
    }
}
