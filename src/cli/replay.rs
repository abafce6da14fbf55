//! `accesslog replay`: log files or Firehose events, local or in S3, → the lake layout the
//! deployed stream writes, in a local directory or an S3 bucket. A backfill: memory capped,
//! on every core, resumable (see `crate::replay` and `crate::manifest`).

use std::io::{self, Read};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::{config, lines::LineReader, widen_pipe, CliError};
use crate::firehose::Transformer;
use crate::manifest::{InputId, Manifest};
use crate::replay::{self, Options, Replay, Stats};
use crate::store::Store;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Log files (`.gz` too), Firehose event files (`.json`), `s3://bucket/key` objects or
    /// `s3://bucket/prefix/` (every object under it), or `-` for stdin (the default)
    files: Vec<String>,
    /// The lake: a directory or `s3://bucket[/prefix]`, standing for the bucket's root (logs/,
    /// errors/ and the replay's own _replay/ go under it)
    #[arg(long)]
    lake: String,
    /// Let any event time through (old logs); the same as TIME_GUARD=off
    #[arg(long)]
    no_time_guard: bool,
    /// The Lambda processor's buffer (BufferSizeInMBs), 0.2 to 3; the default is what the
    /// Terraform stack deploys
    #[arg(long, default_value_t = 0.25, value_parser = processor_mb)]
    buffer_mb: f64,
    /// Bytes of JSON per partition before a Parquet file is written (Firehose: at least 64 with
    /// format conversion)
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u64).range(1..=1024))]
    partition_buffer_mb: u64,
    /// Memory the whole process may use, in MiB: past it, the least recently used partitions
    /// are written out early (more, smaller files)
    #[arg(long, default_value_t = 256, value_parser = clap::value_parser!(u64).range(64..=1_048_576))]
    max_memory: u64,
    /// Threads that parse, transform and encode (default: every core)
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=1024))]
    threads: Option<u64>,
    /// Input MB read between commits; inputs are committed whole, after the one that passes it
    #[arg(long, default_value_t = 512)]
    commit_every_mb: u64,
    /// Replay inputs the lake's manifest says are committed already
    #[arg(long)]
    force: bool,
    /// Delivery stream name in object names
    #[arg(long, default_value = "accesslog")]
    stream: String,
}

fn processor_mb(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if (0.2..=3.0).contains(&v) => Ok(v),
        _ => Err(format!(
            "{s:?}: Firehose allows a processor buffer of 0.2 to 3 MB"
        )),
    }
}

/// Memory outside the partition buffers: the program, the read buffers, the batches in flight,
/// each worker's transform buffers and Parquet encoder at work, and the allocator's slack.
/// Measured on generated days (see docs/replay.md); what is left of `--max-memory` is the
/// buffers' budget.
const BASE_MEMORY: u64 = 48 << 20;
const PER_THREAD_MEMORY: u64 = 16 << 20;

/// One input: where it is, and what the manifest knows it by.
enum Source {
    Stdin,
    File(PathBuf),
    #[cfg(feature = "s3")]
    S3(crate::s3::Object),
}

impl Source {
    fn name(&self) -> String {
        match self {
            Source::Stdin => "<stdin>".into(),
            Source::File(p) => p.display().to_string(),
            #[cfg(feature = "s3")]
            Source::S3(o) => o.url(),
        }
    }

    fn size(&self) -> Option<u64> {
        match self {
            Source::Stdin => None,
            Source::File(p) => std::fs::metadata(p).ok().map(|m| m.len()),
            #[cfg(feature = "s3")]
            Source::S3(o) => Some(o.size),
        }
    }

    /// Stdin has no identity: it is replayed every time.
    fn id(&self) -> io::Result<Option<InputId>> {
        Ok(match self {
            Source::Stdin => None,
            Source::File(p) => {
                let meta = std::fs::metadata(p)?;
                let modified = meta
                    .modified()?
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_nanos());
                Some(InputId {
                    name: std::fs::canonicalize(p)?.display().to_string(),
                    size: meta.len(),
                    version: modified.to_string(),
                })
            }
            #[cfg(feature = "s3")]
            Source::S3(o) => Some(InputId {
                name: o.url(),
                size: o.size,
                version: o.etag.clone(),
            }),
        })
    }

    fn is_event(&self) -> bool {
        self.name().ends_with(".json")
    }

    fn open(&self) -> io::Result<Box<dyn Read + Send>> {
        let raw: Box<dyn Read + Send> = match self {
            Source::Stdin => {
                widen_pipe(0);
                Box::new(io::stdin())
            }
            Source::File(p) => Box::new(std::fs::File::open(p)?),
            #[cfg(feature = "s3")]
            Source::S3(o) => Box::new(o.open()?),
        };
        Ok(if self.name().ends_with(".gz") {
            Box::new(flate2::read::MultiGzDecoder::new(raw))
        } else {
            raw
        })
    }
}

/// The inputs named on the command line, S3 prefixes listed; each checked before anything is
/// written, so a typo fails the run at once rather than half-way.
fn sources(args: &[String]) -> Result<Vec<Source>, CliError> {
    if args.is_empty() {
        return Ok(vec![Source::Stdin]);
    }
    let mut out = Vec::new();
    for a in args {
        if a == "-" {
            out.push(Source::Stdin);
        } else if a.starts_with("s3://") {
            #[cfg(feature = "s3")]
            {
                let objects = crate::s3::list_inputs(a)
                    .map_err(|e| CliError::Usage(format!("cannot read {a}: {e}")))?;
                if objects.is_empty() {
                    return Err(CliError::Usage(format!("{a}: no objects under it")));
                }
                out.extend(objects.into_iter().map(Source::S3));
            }
            #[cfg(not(feature = "s3"))]
            return Err(CliError::Usage(format!(
                "{a}: this build has no S3 support (build with the `s3` feature)"
            )));
        } else {
            let p = PathBuf::from(a);
            std::fs::File::open(&p)
                .map_err(|e| CliError::Usage(format!("cannot open {a}: {e}")))?;
            out.push(Source::File(p));
        }
    }
    Ok(out)
}

/// Counts the bytes read from an input before decompression, for the progress bar.
struct Counted<R> {
    inner: R,
    n: Arc<AtomicU64>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let k = self.inner.read(buf)?;
        self.n.fetch_add(k as u64, Ordering::Relaxed);
        Ok(k)
    }
}

/// The process's resident memory now and at its peak, in bytes (Linux; 0 elsewhere).
pub(crate) fn rss() -> (u64, u64) {
    let now = std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<u64>().ok())
        .map_or(0, |pages| pages * 4096);
    // SAFETY: getrusage writes into the struct given and nothing else.
    let peak = unsafe {
        let mut u: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut u);
        u.ru_maxrss as u64 * 1024
    };
    (now, peak)
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1e6
}

pub fn run(args: Args) -> Result<ExitCode, CliError> {
    let mut cfg = config()?;
    if args.no_time_guard {
        cfg.time_guard = None;
    }
    let inputs = sources(&args.files)?;
    let store = Arc::new(Store::open(&args.lake).map_err(|e| CliError::Usage(e.to_string()))?);
    let (mut manifest, recovered) = Manifest::open(store.clone()).map_err(|e| match e.kind() {
        io::ErrorKind::WouldBlock | io::ErrorKind::InvalidData => CliError::Usage(e.to_string()),
        _ => CliError::Io(format!("{}: {e}", store.describe())),
    })?;
    if recovered.commits_finished > 0 {
        eprintln!(
            "replay: published the {} commit(s) an interrupted run had not finished publishing",
            recovered.commits_finished
        );
    }
    if recovered.staged_removed > 0 {
        eprintln!(
            "replay: removed {} uncommitted object(s) an interrupted run had staged",
            recovered.staged_removed
        );
    }

    let threads = args.threads.map_or_else(
        || std::thread::available_parallelism().map_or(1, |n| n.get()),
        |n| n as usize,
    );
    let max_memory = args.max_memory << 20;
    let overhead = BASE_MEMORY + PER_THREAD_MEMORY * threads as u64;
    // The buffers' own estimate (vector capacities, the Parquet writers' pages and dictionaries)
    // comes to about half of the memory they turn out to take once the hash tables, page
    // structures and allocator rounding are in: measured, RSS grew by 2.0x the estimate.
    let budget = (max_memory.saturating_sub(overhead) / 2).max(max_memory / 8);
    let mut replay = Replay::new(
        Transformer::new(cfg),
        Options {
            processor_buffer: (args.buffer_mb * 1_000_000.0) as usize,
            partition_buffer: (args.partition_buffer_mb << 20) as usize,
            max_memory: budget as usize,
            threads,
            stripe_bytes: replay::STRIPE_BYTES,
            stream: args.stream,
            staging: manifest.staging(),
        },
        store.clone(),
    );

    let mut todo = Vec::new();
    let mut skipped = Vec::new();
    for s in inputs {
        let id = s
            .id()
            .map_err(|e| CliError::Usage(format!("{}: {e}", s.name())))?;
        match &id {
            Some(id) if !args.force && manifest.is_committed(id) => skipped.push(s.name()),
            _ => todo.push((s, id)),
        }
    }
    if !skipped.is_empty() {
        let shown: Vec<&str> = skipped.iter().take(5).map(String::as_str).collect();
        eprintln!(
            "replay: skipping {} input(s) the lake has committed already ({}{}); --force replays them",
            skipped.len(),
            shown.join(", "),
            if skipped.len() > shown.len() { ", ..." } else { "" },
        );
    }

    let total: u64 = todo.iter().filter_map(|(s, _)| s.size()).sum();
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr_with_hz(4));
    bar.set_style(
        ProgressStyle::with_template("{spinner} {bytes}/{total_bytes} {bar:25} {msg} ({eta})")
            .expect("valid template"),
    );
    let started = Instant::now();
    let read = Arc::new(AtomicU64::new(0));
    let mut totals = Stats::default();
    let mut input_bytes = 0u64;
    let mut lines_read = 0u64;
    let mut pending: Vec<InputId> = Vec::new();
    let mut since_commit = 0u64;
    let commit_every = args.commit_every_mb * 1_000_000;
    let n_todo = todo.len();
    let stopped = |name: &str, e: &dyn std::fmt::Display| {
        CliError::Io(format!(
            "{name}: {e}; what was committed before stays in the lake, and the same command \
             goes on from there"
        ))
    };
    let mut last_draw = Instant::now();
    for (k, (source, id)) in todo.into_iter().enumerate() {
        let name = source.name();
        let raw = source.open().map_err(|e| stopped(&name, &e))?;
        let mut reader = Counted {
            inner: raw,
            n: read.clone(),
        };
        if source.is_event() {
            let mut event = Vec::new();
            reader
                .read_to_end(&mut event)
                .map_err(|e| stopped(&name, &e))?;
            input_bytes += event.len() as u64;
            since_commit += event.len() as u64;
            replay.push_event(event).map_err(|e| match e.kind() {
                io::ErrorKind::InvalidData => CliError::Usage(format!("{name}: {e}")),
                _ => stopped(&name, &e),
            })?;
        } else {
            let mut lines = LineReader::new(reader);
            while let Some(line) = lines.next_line().map_err(|e| stopped(&name, &e))? {
                input_bytes += line.len() as u64 + 1;
                since_commit += line.len() as u64 + 1;
                replay.push_line(line).map_err(|e| stopped(&name, &e))?;
                if lines.line_no % 16_384 == 0 && last_draw.elapsed() > Duration::from_millis(250) {
                    last_draw = Instant::now();
                    let secs = started.elapsed().as_secs_f64().max(1e-9);
                    bar.set_position(read.load(Ordering::Relaxed));
                    bar.set_message(format!(
                        "{:.0} lines/s, buffers {:.0} MB, RSS {:.0} MB",
                        (lines_read + lines.line_no) as f64 / secs,
                        mb(replay.memory_in_use() as u64),
                        mb(rss().0),
                    ));
                }
            }
            lines_read += lines.line_no;
        }
        pending.extend(id);
        if since_commit >= commit_every || k + 1 == n_todo {
            let flushed = replay.flush().map_err(|e| stopped(&name, &e))?;
            manifest
                .commit(std::mem::take(&mut pending), &flushed)
                .map_err(|e| stopped(&name, &e))?;
            totals.add(flushed.stats);
            since_commit = 0;
        }
    }
    let last = replay.finish().map_err(|e| stopped("replay", &e))?;
    debug_assert!(last.objects.is_empty(), "the last input was committed");
    bar.finish_and_clear();
    let secs = started.elapsed().as_secs_f64();
    let failed: Vec<String> = totals
        .failed
        .iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect();
    eprintln!(
        "replay: in {}, ok {}, dropped {}, failed {}{}",
        totals.records_in,
        totals.ok,
        totals.dropped,
        totals.failed_total(),
        if failed.is_empty() {
            String::new()
        } else {
            format!(" ({})", failed.join(", "))
        },
    );
    eprintln!(
        "replay: {} rows in {} partitions, {} Parquet files ({} because of the memory cap; {:.1} MB, {:.1}% of {:.1} MB input), {} error files, under {}",
        totals.rows,
        totals.partitions.len(),
        totals.files,
        totals.files_for_memory,
        mb(totals.parquet_bytes),
        if input_bytes > 0 { totals.parquet_bytes as f64 * 100.0 / input_bytes as f64 } else { 0.0 },
        mb(input_bytes),
        totals.error_files,
        store.describe(),
    );
    eprintln!(
        "replay: {} invocations, {:.2} s, {:.0} records/s on {} thread(s), peak RSS {:.0} MB (--max-memory {} MiB)",
        totals.invocations,
        secs,
        totals.records_in as f64 / secs.max(1e-9),
        threads,
        mb(rss().1),
        args.max_memory,
    );
    Ok(ExitCode::SUCCESS)
}
