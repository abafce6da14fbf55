//! The local stand-in for Firehose + S3 (`accesslog replay`), for backfills of any size.
//!
//! Lines are batched into invocations the size of the processor buffer (`BufferSizeInMBs`) and
//! each batch goes through the same [`Transformer::run`] the Lambda runs, record ids, arrival
//! times, time guard and 6 MB response budget included. What Firehose does with the response
//! is done by the [`Sink`] here: `Ok` lines are routed by their partition keys into
//! per-partition row buffers, written as Parquet by the Glue schema when they reach the
//! destination buffer size (64 MiB, the minimum with format conversion); `ProcessingFailed`
//! records become error envelopes under `errors/processing-failed/` keyed by arrival time;
//! `Dropped` records are counted. Nothing is lost: every record read is counted as exactly one
//! of Ok, Dropped or Failed, and [`Stats::rows`] counts the rows of the objects written, not of
//! the records let in.
//!
//! Three things make it a backfill tool rather than a demo:
//! - **Bounded memory.** A partition left idle for [`IDLE_INVOCATIONS`] is written out, as
//!   Firehose writes one when its buffer interval passes. And every buffer's memory ([`RowBuffer::memory`], error envelopes too) is
//!   weighed after each invocation against [`Options::max_memory`]; past it, the least
//!   recently used partitions (largest first among equals) are written out, as Firehose writes
//!   a partition when its buffer interval passes. Memory then depends on the options, not on
//!   the input's size, its order or its number of partitions; interleaved input costs more,
//!   smaller files instead ([`Stats::files_for_memory`]).
//! - **Every core.** Runs of consecutive batches ([`Options::stripe_bytes`] of input) go in turn to
//!   [`Options::threads`] workers, each with its own transform buffers and partition buffers,
//!   so parsing, transforming and Parquet encoding run on every core with no lock on the way.
//!   Each worker writes its own objects: a partition gets one file per worker that saw it, with
//!   the same rows as a one-thread run. Input in time order mostly gives an hour to one worker,
//!   since an hour's lines are neighbours: a batch at a time would split every hour between
//!   all the workers, with a file (and its fixed cost) for each.
//! - **Objects are written under a staging prefix** ([`Options::staging`]) and only
//!   [`Replay::flush`] says which; `crate::manifest` publishes them under `logs/` and `errors/`
//!   when their inputs are committed, so an interrupted backfill leaves nothing half-visible.
//!
//! The rows go straight from the parsed record into Parquet columns
//! ([`RowBuffer::append_record`]) instead of through the response's base64 JSON and a JSON
//! reader: a property test holds that path to what Firehose's JSON → Parquet conversion makes
//! of the Lambda's output ([`RowBuffer::append_json`]). Firehose events given as files go
//! through the same path after their JSON is read.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::Arc;
use std::thread::JoinHandle;

use serde_json::json;

use crate::firehose::{Buffers, Data, Event, Input, Outcome, Sink, Summary, Transformer};
use crate::lake::{error_prefix, Mark, ObjectNamer, RowBuffer};
use crate::record::Record;
use crate::store::Store;
use crate::time::PartitionKeys;

/// How the replay batches, buffers and writes.
#[derive(Clone, Debug)]
pub struct Options {
    /// The Lambda processor's buffer: payload bytes per invocation.
    pub processor_buffer: usize,
    /// The S3 destination buffer per partition: JSON bytes before a Parquet file is written.
    pub partition_buffer: usize,
    /// Bytes all partition buffers and error envelopes may hold together, all workers included.
    pub max_memory: usize,
    /// Workers that parse, transform and encode.
    pub threads: usize,
    /// Input a worker is given in a row before the next one's turn ([`STRIPE_BYTES`] unless a
    /// test wants many turns from little input).
    pub stripe_bytes: usize,
    /// Delivery stream name, used in object names and the error envelopes.
    pub stream: String,
    /// Key prefix objects are written under until they are published (`""` to write them
    /// where they belong at once).
    pub staging: String,
}

/// What a replay did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    pub records_in: u64,
    pub ok: u64,
    pub dropped: u64,
    pub failed: BTreeMap<&'static str, u64>,
    /// Lines in `Ok` records (an event's record can hold several).
    pub lines_ok: u64,
    /// Rows in the Parquet objects written.
    pub rows: u64,
    pub partitions: BTreeSet<String>,
    pub files: u64,
    /// Of `files`, those written early because the buffers reached the memory cap.
    pub files_for_memory: u64,
    pub error_files: u64,
    pub parquet_bytes: u64,
    pub invocations: u64,
}

impl Stats {
    pub fn failed_total(&self) -> u64 {
        self.failed.values().sum()
    }

    pub fn add(&mut self, o: Stats) {
        self.records_in += o.records_in;
        self.ok += o.ok;
        self.dropped += o.dropped;
        for (k, v) in o.failed {
            *self.failed.entry(k).or_default() += v;
        }
        self.lines_ok += o.lines_ok;
        self.rows += o.rows;
        self.partitions.extend(o.partitions);
        self.files += o.files;
        self.files_for_memory += o.files_for_memory;
        self.error_files += o.error_files;
        self.parquet_bytes += o.parquet_bytes;
        self.invocations += o.invocations;
    }

    fn count(&mut self, s: &Summary) {
        self.invocations += 1;
        self.records_in += s.records_in;
        self.ok += s.ok;
        self.dropped += s.dropped;
        self.lines_ok += s.lines_ok;
        for (k, v) in &s.failed {
            *self.failed.entry(k).or_default() += v;
        }
    }
}

/// What [`Replay::flush`] wrote: the objects' published keys (each written at the staging
/// prefix + key), and the counts since the previous flush.
#[derive(Debug, Default)]
pub struct Flushed {
    pub objects: Vec<String>,
    pub stats: Stats,
}

/// Lines collected for one invocation: their bytes back to back, where each ends, when each
/// arrived, and the record id of the first.
#[derive(Default)]
struct Batch {
    data: Vec<u8>,
    ends: Vec<usize>,
    arrivals: Vec<i64>,
    first_seq: u64,
    /// The invocation's number in the whole replay, whichever worker runs it.
    invocation: u64,
}

enum Msg {
    Batch(Batch),
    /// A Firehose event and its invocation's number.
    Event(Vec<u8>, u64),
    Flush(SyncSender<io::Result<Flushed>>),
}

struct WorkerHandle {
    tx: SyncSender<Msg>,
    join: JoinHandle<io::Result<()>>,
}

/// The replay: reads on the caller's thread, transforms and writes on the workers.
pub struct Replay {
    workers: Vec<WorkerHandle>,
    /// Batches a worker is given in a row.
    stripe: usize,
    processor_buffer: usize,
    batch: Batch,
    seq: u64,
    invocations: u64,
    clock_ms: i64,
    /// Each worker's buffered bytes, for progress.
    memory: Arc<Vec<AtomicUsize>>,
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

impl Replay {
    pub fn new(transformer: Transformer, opts: Options, store: Arc<Store>) -> Replay {
        let threads = opts.threads.max(1);
        let memory: Arc<Vec<AtomicUsize>> =
            Arc::new((0..threads).map(|_| AtomicUsize::new(0)).collect());
        let stripe = (opts.stripe_bytes / opts.processor_buffer.max(1)).max(1);
        let opts = Arc::new(opts);
        let workers = (0..threads)
            .map(|i| {
                // A stripe and one more queued per worker: while the reader fills one worker's
                // stripe, the others still have a whole stripe of their own to work through.
                let (tx, rx) = sync_channel(stripe + 1);
                let mut w = Worker::new(
                    transformer.clone(),
                    opts.clone(),
                    store.clone(),
                    memory.clone(),
                    i,
                );
                let join = std::thread::Builder::new()
                    .name(format!("replay-{i}"))
                    .spawn(move || w.serve(rx))
                    .expect("a worker thread starts");
                WorkerHandle { tx, join }
            })
            .collect();
        Replay {
            workers,
            stripe,
            processor_buffer: opts.processor_buffer,
            batch: Batch::default(),
            seq: 0,
            invocations: 0,
            clock_ms: 0,
            memory,
        }
    }

    /// Bytes the workers' buffers hold now.
    pub fn memory_in_use(&self) -> usize {
        self.memory.iter().map(|m| m.load(Ordering::Relaxed)).sum()
    }

    /// Adds one line as one record (what Fluent Bit and `RecordDeAggregation` deliver).
    pub fn push_line(&mut self, line: &[u8]) -> io::Result<()> {
        let b = &mut self.batch;
        if !b.ends.is_empty() && b.data.len() + line.len() > self.processor_buffer {
            self.send_batch()?;
        }
        let b = &mut self.batch;
        // Lines read back to back arrive within microseconds of each other: reading the clock for
        // every 64th line keeps arrival times to the millisecond at a fraction of the cost.
        if b.ends.len() % 64 == 0 {
            self.clock_ms = now_ms();
        }
        b.data.extend_from_slice(line);
        b.ends.push(b.data.len());
        b.arrivals.push(self.clock_ms);
        Ok(())
    }

    /// Runs a whole Firehose event (a `.json` file) through the transform as it is. An event
    /// that does not parse is an `InvalidData` error and nothing of it is counted.
    pub fn push_event(&mut self, event: Vec<u8>) -> io::Result<()> {
        Event::parse(&event).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
        self.send_batch()?;
        self.invocations += 1;
        self.send(Msg::Event(event, self.invocations))
    }

    fn send_batch(&mut self) -> io::Result<()> {
        if self.batch.ends.is_empty() {
            return Ok(());
        }
        let mut batch = std::mem::take(&mut self.batch);
        batch.first_seq = self.seq + 1;
        self.seq += batch.ends.len() as u64;
        self.invocations += 1;
        batch.invocation = self.invocations;
        self.batch.data.reserve(self.processor_buffer + (64 << 10));
        self.send(Msg::Batch(batch))
    }

    /// Sends the message of invocation `self.invocations` to the worker whose turn it falls in.
    fn send(&mut self, msg: Msg) -> io::Result<()> {
        let i = ((self.invocations - 1) as usize / self.stripe) % self.workers.len();
        if self.workers[i].tx.send(msg).is_err() {
            return Err(self.worker_error(i));
        }
        Ok(())
    }

    /// A worker that stopped taking work has failed: its error.
    fn worker_error(&mut self, i: usize) -> io::Error {
        let (tx, _) = sync_channel(0);
        let dead = std::mem::replace(
            &mut self.workers[i],
            WorkerHandle {
                tx,
                join: std::thread::spawn(|| Ok(())),
            },
        );
        match dead.join.join() {
            Ok(Err(e)) => e,
            Ok(Ok(())) => io::Error::other("a replay worker stopped"),
            Err(_) => io::Error::other("a replay worker panicked"),
        }
    }

    /// Writes everything buffered (under the staging prefix) and says what was written and
    /// counted since the last flush: a commit point.
    pub fn flush(&mut self) -> io::Result<Flushed> {
        self.send_batch()?;
        let mut replies = Vec::new();
        for i in 0..self.workers.len() {
            let (tx, rx) = sync_channel(1);
            if self.workers[i].tx.send(Msg::Flush(tx)).is_err() {
                return Err(self.worker_error(i));
            }
            replies.push(rx);
        }
        let mut out = Flushed::default();
        for (i, rx) in replies.into_iter().enumerate() {
            let f = match rx.recv() {
                Ok(f) => f?,
                Err(_) => return Err(self.worker_error(i)),
            };
            out.objects.extend(f.objects);
            out.stats.add(f.stats);
        }
        out.objects.sort();
        Ok(out)
    }

    /// Writes everything buffered, stops the workers and returns what the last flush returns.
    pub fn finish(mut self) -> io::Result<Flushed> {
        let out = self.flush()?;
        for w in self.workers {
            drop(w.tx);
            match w.join.join() {
                Ok(r) => r?,
                Err(_) => return Err(io::Error::other("a replay worker panicked")),
            }
        }
        Ok(out)
    }
}

/// Input a worker is given in a row before the next worker's turn: about twenty thousand
/// typical lines, enough that most hours go whole to one worker, few enough that the queues
/// (a stripe per worker) stay small beside the partition buffers.
pub const STRIPE_BYTES: usize = 4 << 20;

/// Rows a partition collects before they are encoded into its Parquet pages: enough for the
/// encoders to work in long runs, few enough to stay in cache.
const ENCODE_ROWS: usize = 16_384;

/// Invocations a partition may go without a line before it is written out: Firehose's buffer
/// interval, counted in input rather than time (at the default 0.25 MB processor buffer, 32 MB
/// of input, all workers' invocations counted, so that the window and the memory it holds do
/// not grow with the number of threads). Input in time order then holds the hours in progress
/// and little more, whatever the memory cap; a late line after that makes a second, small
/// object, as a late record does in Firehose.
const IDLE_INVOCATIONS: u64 = 128;

/// Error envelopes a worker holds before writing them out, whatever the memory cap.
const ERROR_BUFFER: usize = 4 << 20;

/// One worker: its transform buffers, its partition buffers and what it has written.
struct Worker {
    transformer: Transformer,
    bufs: Buffers,
    lake: Lake,
    opts: Arc<Options>,
    store: Arc<Store>,
    namer: ObjectNamer,
    /// This worker's share of the memory cap, and its slot for reporting its use.
    budget: usize,
    memory: Arc<Vec<AtomicUsize>>,
    slot: usize,
    ids: String,
    id_ends: Vec<usize>,
    written: Vec<String>,
    stats: Stats,
}

/// Firehose's side of the response: the transform's sink.
struct Lake {
    lambda_arn: String,
    /// Row buffers by partition; `index` finds them, `last` is the one the previous line went to
    /// (consecutive lines nearly always share an hour).
    partitions: Vec<(PartitionKeys, RowBuffer)>,
    index: HashMap<PartitionKeys, usize>,
    last: usize,
    /// The invocation that last gave each partition a line, and the current one, numbered in
    /// the whole replay.
    used_in: Vec<u64>,
    invocation: u64,
    /// Partitions given lines in this invocation, and those holding rows not encoded yet.
    touched: Vec<usize>,
    unencoded: Vec<usize>,
    /// Each partition's memory as last weighed, and their sum.
    memory: Vec<usize>,
    total: usize,
    /// The partition of the record in progress, and the point to go back to if it is not `Ok`.
    current: Option<(usize, Mark)>,
    /// Error envelopes by the prefix they are written under, and their bytes.
    errors: BTreeMap<String, Vec<u8>>,
    error_bytes: usize,
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
                self.used_in.push(0);
                self.memory.push(0);
            }
        }
        if self.used_in[self.last] != self.invocation {
            self.used_in[self.last] = self.invocation;
            self.touched.push(self.last);
        }
        let buf = &mut self.partitions[self.last].1;
        if self.current.is_none() {
            self.current = Some((self.last, buf.mark()));
        }
        // The line's JSON and its newline: what the partition buffer's size counts.
        buf.bytes += 1;
        buf.append_record(r, scratch) + 1
    }

    fn ok(&mut self, _i: usize, _input: &Input<'_>, _keys: &PartitionKeys) {
        self.current = None;
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
            .entry(error_prefix(arrival, "processing-failed"))
            .or_default();
        let before = out.len();
        serde_json::to_writer(&mut *out, &envelope).expect("JSON values serialize");
        out.push(b'\n');
        self.error_bytes += out.len() - before;
    }
}

impl Worker {
    fn new(
        transformer: Transformer,
        opts: Arc<Options>,
        store: Arc<Store>,
        memory: Arc<Vec<AtomicUsize>>,
        slot: usize,
    ) -> Worker {
        Worker {
            transformer,
            bufs: Buffers::default(),
            lake: Lake {
                lambda_arn: format!(
                    "arn:aws:lambda:local:000000000000:function:{}-transform:$LATEST",
                    opts.stream
                ),
                partitions: Vec::new(),
                index: HashMap::new(),
                last: 0,
                used_in: Vec::new(),
                invocation: 0,
                touched: Vec::new(),
                unencoded: Vec::new(),
                memory: Vec::new(),
                total: 0,
                current: None,
                errors: BTreeMap::new(),
                error_bytes: 0,
                attempt_end: 0,
            },
            namer: ObjectNamer::new(&opts.stream),
            budget: opts.max_memory / memory.len(),
            memory,
            slot,
            opts,
            store,
            ids: String::new(),
            id_ends: Vec::new(),
            written: Vec::new(),
            stats: Stats::default(),
        }
    }

    fn serve(&mut self, rx: Receiver<Msg>) -> io::Result<()> {
        while let Ok(msg) = rx.recv() {
            match msg {
                Msg::Batch(b) => self.batch(&b)?,
                Msg::Event(e, invocation) => {
                    let event = Event::parse(&e).expect("events are checked before they are sent");
                    self.invoke(&event.inputs(), invocation)?;
                }
                Msg::Flush(reply) => {
                    let r = self.flush();
                    let failed = r.is_err();
                    let _ = reply.send(r);
                    if failed {
                        return Ok(());
                    }
                }
            }
        }
        Ok(())
    }

    /// One invocation for a batch of lines; record ids number on from the previous batches.
    fn batch(&mut self, b: &Batch) -> io::Result<()> {
        self.ids.clear();
        self.id_ends.clear();
        for seq in b.first_seq..b.first_seq + b.ends.len() as u64 {
            self.ids.push_str(itoa::Buffer::new().format(seq));
            self.id_ends.push(self.ids.len());
        }
        let span = |ends: &[usize], i: usize| (if i == 0 { 0 } else { ends[i - 1] })..ends[i];
        let inputs: Vec<Input> = (0..b.ends.len())
            .map(|i| Input {
                record_id: &self.ids[span(&self.id_ends, i)],
                record_id_plain: true, // digits
                arrival_ms: Some(b.arrivals[i]),
                data: Data::Raw(&b.data[span(&b.ends, i)]),
            })
            .collect();
        let (transformer, lake, bufs) = (&self.transformer, &mut self.lake, &mut self.bufs);
        lake.attempt_end = now_ms();
        lake.invocation = b.invocation;
        let summary = transformer.run(&inputs, lake, bufs);
        self.stats.count(&summary);
        self.after_invocation()
    }

    fn invoke(&mut self, inputs: &[Input<'_>], invocation: u64) -> io::Result<()> {
        self.lake.attempt_end = now_ms();
        self.lake.invocation = invocation;
        let summary = self.transformer.run(inputs, &mut self.lake, &mut self.bufs);
        self.stats.count(&summary);
        self.after_invocation()
    }

    /// Between invocations no record is in progress, so rows can be encoded and buffers
    /// written. Firehose writes a partition's object when its buffer fills; a partition the
    /// last invocation did not touch (an hour the input has moved past) is encoded whole and
    /// its row vectors freed; and past the memory cap the least recently used go out.
    fn after_invocation(&mut self) -> io::Result<()> {
        let touched = std::mem::take(&mut self.lake.touched);
        let idle = std::mem::take(&mut self.lake.unencoded);
        for &p in &touched {
            let buf = &mut self.lake.partitions[p].1;
            if buf.bytes >= self.opts.partition_buffer {
                self.write_partition(p, false)?;
                continue;
            }
            buf.encode(ENCODE_ROWS)?;
            if buf.rows() > 0 {
                self.lake.unencoded.push(p);
            }
            self.weigh(p);
        }
        for p in idle {
            if self.lake.used_in[p] != self.lake.invocation {
                self.lake.partitions[p].1.park()?;
                self.weigh(p);
            }
        }
        // Every 16th invocation this worker runs.
        if self.stats.invocations % 16 == 0 {
            for p in 0..self.lake.partitions.len() {
                if self.lake.used_in[p] + IDLE_INVOCATIONS < self.lake.invocation
                    && self.lake.partitions[p].1.rows() > 0
                {
                    self.write_partition(p, false)?;
                }
            }
        }
        if self.lake.error_bytes >= ERROR_BUFFER.min(self.budget / 4) {
            self.write_errors()?;
        }
        if self.lake.total + self.lake.error_bytes > self.budget {
            self.relieve()?;
        }
        self.memory[self.slot].store(self.lake.total + self.lake.error_bytes, Ordering::Relaxed);
        self.touched_back(touched);
        Ok(())
    }

    /// Gives the `touched` vector's allocation back for the next invocation.
    fn touched_back(&mut self, mut touched: Vec<usize>) {
        touched.clear();
        self.lake.touched = touched;
    }

    fn weigh(&mut self, p: usize) {
        let m = self.lake.partitions[p].1.memory();
        self.lake.total = self.lake.total - self.lake.memory[p] + m;
        self.lake.memory[p] = m;
    }

    /// Writes out partitions, least recently used first and the largest first among those,
    /// until the buffers are down to three quarters of the budget: a margin so the next
    /// invocations do not each write another small file.
    fn relieve(&mut self) -> io::Result<()> {
        self.write_errors()?;
        let mut order: Vec<usize> = (0..self.lake.partitions.len())
            .filter(|&p| self.lake.partitions[p].1.rows() > 0)
            .collect();
        order.sort_by_key(|&p| (self.lake.used_in[p], Reverse(self.lake.memory[p])));
        let target = self.budget / 4 * 3;
        for p in order {
            if self.lake.total <= target {
                break;
            }
            self.write_partition(p, true)?;
        }
        // Buffers of partitions without rows (all written) still count until weighed again.
        Ok(())
    }

    /// Writes a partition's rows as one object and frees its buffers.
    fn write_partition(&mut self, p: usize, for_memory: bool) -> io::Result<()> {
        let (keys, buf) = &mut self.lake.partitions[p];
        let rows = buf.rows() as u64;
        let object = if rows > 0 {
            Some(buf.take_parquet()?)
        } else {
            None
        };
        *buf = RowBuffer::new();
        let prefix = keys.s3_prefix();
        if let Some(object) = object {
            let key = format!("logs/{prefix}{}", self.namer.name(now_ms(), ".parquet"));
            self.stats.parquet_bytes += object.len() as u64;
            self.store
                .put(&format!("{}{key}", self.opts.staging), object)?;
            self.written.push(key);
            self.stats.rows += rows;
            self.stats.files += 1;
            self.stats.files_for_memory += u64::from(for_memory);
            self.stats
                .partitions
                .insert(prefix.trim_end_matches('/').to_string());
        }
        self.lake.unencoded.retain(|&q| q != p);
        self.weigh(p);
        Ok(())
    }

    fn write_errors(&mut self) -> io::Result<()> {
        for (prefix, data) in std::mem::take(&mut self.lake.errors) {
            let key = format!("{prefix}{}", self.namer.name(now_ms(), ""));
            self.store
                .put(&format!("{}{key}", self.opts.staging), data)?;
            self.written.push(key);
            self.stats.error_files += 1;
        }
        self.lake.error_bytes = 0;
        Ok(())
    }

    /// Writes everything held, in partition order, and forgets every partition.
    fn flush(&mut self) -> io::Result<Flushed> {
        let mut order: Vec<usize> = (0..self.lake.partitions.len()).collect();
        order.sort_by_key(|&p| self.lake.partitions[p].0);
        for p in order {
            self.write_partition(p, false)?;
        }
        self.write_errors()?;
        let l = &mut self.lake;
        l.partitions = Vec::new();
        l.index = HashMap::new();
        l.used_in.clear();
        l.memory.clear();
        l.unencoded.clear();
        l.last = 0;
        l.total = 0;
        self.memory[self.slot].store(0, Ordering::Relaxed);
        Ok(Flushed {
            objects: std::mem::take(&mut self.written),
            stats: std::mem::take(&mut self.stats),
        })
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
    use std::path::PathBuf;

    fn lake_dir(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("accesslog-replay-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        d
    }

    fn replay(lake: &Path, budget: usize) -> Replay {
        replay_with(lake, budget, 1 << 20, 64 << 20, 1)
    }

    fn replay_with(
        lake: &Path,
        budget: usize,
        processor_buffer: usize,
        max_memory: usize,
        threads: usize,
    ) -> Replay {
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
                processor_buffer,
                partition_buffer: 64 << 20,
                max_memory,
                threads,
                // Two batches a turn: every worker gets several turns from a test's input.
                stripe_bytes: 2 * processor_buffer,
                stream: "test".into(),
                staging: String::new(),
            },
            Arc::new(Store::Local(lake.to_path_buf())),
        )
    }

    const LINE: &str = r#"203.0.113.9 - - [22/Nov/2026:19:15:32.118 +0900] "GET /a HTTP/1.1" 200 5 "-" "curl/8.5.0" 3.4"#;

    fn read_paths(dir: &Path) -> Vec<String> {
        let mut out = Vec::new();
        let Ok(entries) = std::fs::read_dir(dir) else {
            return out;
        };
        let mut files: Vec<PathBuf> = entries.map(|e| e.unwrap().path()).collect();
        files.sort();
        for f in files {
            let f = std::fs::File::open(f).unwrap();
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
    }

    fn hour_dir(lake: &Path, hour: &str) -> PathBuf {
        lake.join(format!("logs/year=2026/month=11/day=22/hour={hour}"))
    }

    #[test]
    fn lines_of_a_record_that_fails_later_are_taken_back() {
        let lake = lake_dir("unit");
        let mut r = replay(&lake, 6_000_000);
        // One record: a good line, then a line that fails the whole record.
        r.push_line(format!("{LINE}\nnot an access log line").as_bytes())
            .unwrap();
        r.push_line(LINE.as_bytes()).unwrap();
        let stats = r.finish().unwrap().stats;
        assert_eq!((stats.ok, stats.failed_total(), stats.rows), (1, 1, 1));
        assert_eq!(read_paths(&hour_dir(&lake, "19")).len(), 1);
        std::fs::remove_dir_all(&lake).unwrap();
    }

    #[test]
    fn records_past_the_response_budget_fail_and_leave_no_rows() {
        let lake = lake_dir("budget");
        // Room for about two Ok records out of five.
        let mut r = replay(&lake, 1_600);
        for _ in 0..5 {
            r.push_line(LINE.as_bytes()).unwrap();
        }
        let stats = r.finish().unwrap().stats;
        assert!(
            stats.failed.get("response_budget").copied().unwrap_or(0) > 0,
            "{stats:?}"
        );
        assert!(stats.ok > 0, "{stats:?}");
        assert_eq!(stats.ok + stats.failed_total(), 5);
        assert_eq!(stats.rows, stats.ok);
        assert_eq!(read_paths(&hour_dir(&lake, "19")).len() as u64, stats.ok);
        std::fs::remove_dir_all(&lake).unwrap();
    }

    fn at(time: &str, path: &str) -> String {
        LINE.replace("19:15:32.118", time)
            .replace("/a HTTP", &format!("{path} HTTP"))
    }

    #[test]
    fn a_partition_parked_while_idle_takes_late_lines_and_keeps_them_in_order() {
        let lake = lake_dir("park");
        // About one line per invocation, so hour 19 sits idle (and is parked) while hour 20's
        // lines go through, then gets one more line.
        let mut r = replay_with(&lake, 6_000_000, 120, 64 << 20, 1);
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
        let stats = r.finish().unwrap().stats;
        assert_eq!(stats.ok, 7, "{stats:?}");
        assert_eq!(stats.files, 2, "one object per hour");
        assert_eq!(read_paths(&hour_dir(&lake, "19")), ["/a1", "/a2", "/a3"]);
        assert_eq!(
            read_paths(&hour_dir(&lake, "20")),
            ["/b1", "/b2", "/b3", "/b4"]
        );
        std::fs::remove_dir_all(&lake).unwrap();
    }

    #[test]
    fn past_the_memory_cap_the_oldest_partition_is_written_first_and_rows_stay_right() {
        let lake = lake_dir("cap");
        // A cap one partition's buffers already exceed: every invocation writes the partitions
        // it went past, the hour in use last.
        let mut r = replay_with(&lake, 6_000_000, 2_000, 1, 1);
        let mut n = 0;
        for round in 0..3 {
            for hour in ["19", "20", "21"] {
                for i in 0..20 {
                    r.push_line(
                        at(&format!("{hour}:{i:02}:00.000"), &format!("/{round}")).as_bytes(),
                    )
                    .unwrap();
                    n += 1;
                }
            }
        }
        let f = r.finish().unwrap();
        let s = f.stats;
        assert_eq!((s.records_in, s.ok, s.rows), (n, n, n), "{s:?}");
        assert!(s.files_for_memory > 0, "{s:?}");
        assert!(s.files > 9, "{s:?}");
        let on_disk: usize = ["19", "20", "21"]
            .iter()
            .map(|h| read_paths(&hour_dir(&lake, h)).len())
            .sum();
        assert_eq!(on_disk as u64, n);
        assert_eq!(f.objects.len() as u64, s.files);
        std::fs::remove_dir_all(&lake).unwrap();
    }

    #[test]
    fn every_thread_count_gives_the_same_rows_and_counts() {
        let mut results = Vec::new();
        for threads in [1, 3] {
            let lake = lake_dir(&format!("threads{threads}"));
            let mut r = replay_with(&lake, 6_000_000, 500, 64 << 20, threads);
            for i in 0..300 {
                let hour = ["19", "20", "21"][i % 3];
                r.push_line(
                    at(&format!("{hour}:{:02}:00.000", i % 60), &format!("/{i}")).as_bytes(),
                )
                .unwrap();
                if i % 7 == 0 {
                    r.push_line(b"garbage").unwrap();
                }
            }
            let s = r.finish().unwrap().stats;
            let mut rows: Vec<(String, Vec<String>)> = ["19", "20", "21"]
                .iter()
                .map(|h| {
                    let mut p = read_paths(&hour_dir(&lake, h));
                    p.sort();
                    (h.to_string(), p)
                })
                .collect();
            rows.sort();
            results.push((s.records_in, s.ok, s.failed_total(), s.rows, rows));
            std::fs::remove_dir_all(&lake).unwrap();
        }
        assert_eq!(results[0].3, 300);
        assert_eq!(results[0], results[1]);
    }
}
