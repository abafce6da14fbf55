//! `accesslog replay`: log files or Firehose events → the lake layout the deployed stream writes.

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::{config, input_name, inputs_or_stdin, open_input, open_lines, CliError};
use crate::firehose::Transformer;
use crate::replay::{is_event_file, Options, Replay};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Log files (`.gz` too), Firehose event files (`.json`), or `-` for stdin (the default)
    files: Vec<PathBuf>,
    /// The lake directory: S3's bucket root (logs/ and errors/ go under it)
    #[arg(long)]
    lake: PathBuf,
    /// Let any event time through (old logs); the same as TIME_GUARD=off
    #[arg(long)]
    no_time_guard: bool,
    /// The Lambda processor's buffer (BufferSizeInMBs), 0.2 to 3
    #[arg(long, default_value_t = 1.0, value_parser = processor_mb)]
    buffer_mb: f64,
    /// Bytes of JSON per partition before a Parquet file is written (Firehose: at least 64 with
    /// format conversion)
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u64).range(1..=1024))]
    partition_buffer_mb: u64,
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

pub fn run(args: Args) -> Result<ExitCode, CliError> {
    let mut cfg = config()?;
    if args.no_time_guard {
        cfg.time_guard = None;
    }
    let inputs = inputs_or_stdin(&args.files);
    let total: u64 = inputs
        .iter()
        .filter_map(|p| std::fs::metadata(p).ok())
        .map(|m| m.len())
        .sum();
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr_with_hz(4));
    bar.set_style(
        ProgressStyle::with_template("{spinner} {bytes}/{total_bytes} {bar:30} {msg} ({eta})")
            .expect("valid template"),
    );
    let started = Instant::now();
    let mut replay = Replay::new(
        Transformer::new(cfg),
        Options {
            lake: args.lake.clone(),
            processor_buffer: (args.buffer_mb * 1_000_000.0) as usize,
            partition_buffer: (args.partition_buffer_mb << 20) as usize,
            stream: args.stream,
        },
    );
    let mut input_bytes = 0u64;
    for path in &inputs {
        let name = input_name(path);
        let io = |e: std::io::Error| CliError::Io(format!("{name}: {e}"));
        if is_event_file(path) {
            let mut event = Vec::new();
            open_input(path)?.read_to_end(&mut event).map_err(io)?;
            input_bytes += event.len() as u64;
            replay
                .push_event(&event)
                .map_err(|e| CliError::Usage(format!("{name}: {e}")))?;
            bar.inc(event.len() as u64);
            continue;
        }
        let mut lines = open_lines(path)?;
        while let Some(line) = lines.next_line().map_err(io)? {
            input_bytes += line.len() as u64 + 1;
            replay.push_line(line).map_err(io)?;
            if lines.line_no % 65_536 == 0 {
                bar.set_position(input_bytes);
                bar.set_message(format!("{} lines", lines.line_no));
            }
        }
    }
    let stats = replay.finish().map_err(|e| CliError::Io(e.to_string()))?;
    bar.finish_and_clear();
    let secs = started.elapsed().as_secs_f64();
    let failed: Vec<String> = stats
        .failed
        .iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect();
    eprintln!(
        "replay: in {}, ok {}, dropped {}, failed {}{}",
        stats.records_in,
        stats.ok,
        stats.dropped,
        stats.failed_total(),
        if failed.is_empty() {
            String::new()
        } else {
            format!(" ({})", failed.join(", "))
        },
    );
    eprintln!(
        "replay: {} rows in {} partitions, {} Parquet files ({:.1} MB, {:.1}% of {:.1} MB input), {} error files, under {}",
        stats.rows,
        stats.partitions.len(),
        stats.files,
        stats.parquet_bytes as f64 / 1e6,
        if input_bytes > 0 { stats.parquet_bytes as f64 * 100.0 / input_bytes as f64 } else { 0.0 },
        input_bytes as f64 / 1e6,
        stats.error_files,
        args.lake.display(),
    );
    eprintln!(
        "replay: {} invocations, {:.2} s, {:.0} records/s",
        stats.invocations,
        secs,
        stats.records_in as f64 / secs.max(1e-9)
    );
    Ok(ExitCode::SUCCESS)
}
