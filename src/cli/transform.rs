//! `accesslog transform [EVENT.json]`: the Lambda's response for a Firehose event.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use super::{config, input_name, open_input, CliError};
use crate::firehose::{response_buffer, Buffers, Transformer};
use crate::metrics::invocation_line;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// A Firehose transformation event (JSON); stdin when absent or `-`
    event: Option<PathBuf>,
    /// Don't print the invocation log line (counts and metrics) on stderr
    #[arg(long, short)]
    quiet: bool,
}

pub fn run(args: Args) -> Result<ExitCode, CliError> {
    let transformer = Transformer::new(config()?);
    let path = args.event.unwrap_or_else(|| PathBuf::from("-"));
    let mut event = Vec::new();
    open_input(&path)?
        .read_to_end(&mut event)
        .map_err(|e| CliError::Io(format!("reading {}: {e}", input_name(&path))))?;
    let started = Instant::now();
    let mut out = response_buffer(event.len());
    let summary = transformer
        .transform(&event, &mut out, &mut Buffers::default())
        .map_err(|e| CliError::Usage(format!("{}: {e}", input_name(&path))))?;
    let elapsed = started.elapsed().as_secs_f64() * 1000.0;
    out.push(b'\n');
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(&out)
        .and_then(|_| stdout.flush())
        .map_err(CliError::stdout)?;
    if !args.quiet {
        let now = chrono::Utc::now().timestamp_millis();
        eprintln!(
            "{}",
            invocation_line(&summary, "accesslog-cli", elapsed, now)
        );
    }
    Ok(ExitCode::SUCCESS)
}
