//! The `accesslog` command-line tool (SPEC §7). Every command goes through the library's
//! parser and Firehose transform, so what it prints is what the Lambda would produce.
//!
//! Exit status: 0 success, 1 when some input failed to parse (`parse`), 2 for usage errors
//! (bad arguments, unreadable files, invalid environment configuration), with a message that
//! names the fix.

mod event;
mod generate;
pub mod lines;
mod parse;
mod replay;
mod schema;
mod transform;

use std::ffi::OsString;
use std::fmt;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser as ClapParser, Subcommand};

use crate::config::Config;

#[derive(ClapParser, Debug)]
#[command(
    name = "accesslog",
    version,
    about = "Parse web access logs and run the Firehose transform locally",
    after_help = "Configuration comes from the same environment variables as the Lambda \
                  (SOURCE_TZ, PARTITION_TZ, LOG_KEY, TIME_GUARD, ...); see README.md."
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Parse log lines into one JSON record per line (SPEC §3)
    Parse(parse::Args),
    /// Run the Firehose Lambda's transform on an event and print its response
    Transform(transform::Args),
    /// Wrap log lines into Firehose transformation events (for `cargo lambda invoke`)
    Event(event::Args),
    /// Print the record schema (Glue columns, Athena DDL, Markdown)
    Schema(schema::Args),
    /// Write deterministic synthetic traffic for one KST day
    Generate(generate::Args),
    /// Replay logs or events into a local lake laid out like the deployed S3 bucket
    Replay(replay::Args),
}

/// A failure that ends the command.
#[derive(Debug)]
pub enum CliError {
    /// The user can fix it: exit status 2.
    Usage(String),
    /// Reading or writing failed.
    Io(String),
    /// Whoever read our standard output stopped reading (`accesslog parse | head`): the command
    /// ends quietly, as Unix tools do.
    StdoutClosed,
}

impl CliError {
    /// A failed write to standard output.
    pub(crate) fn stdout(e: std::io::Error) -> CliError {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            CliError::StdoutClosed
        } else {
            CliError::Io(format!("writing standard output: {e}"))
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Usage(m) | CliError::Io(m) => f.write_str(m),
            CliError::StdoutClosed => f.write_str("standard output closed"),
        }
    }
}

/// Input that names a file, or stdin.
pub(crate) fn input_name(p: &std::path::Path) -> String {
    if p.as_os_str() == "-" {
        "<stdin>".into()
    } else {
        p.display().to_string()
    }
}

/// Asks for a 1 MiB pipe buffer when `fd` is a pipe (Linux; elsewhere, or for files, nothing
/// happens). With the default 64 KiB, `generate | replay` on one core switches between the two
/// processes every 64 KiB and each evicts the other's working set from the cache.
pub(crate) fn widen_pipe(fd: i32) {
    #[cfg(target_os = "linux")]
    // SAFETY: F_SETPIPE_SZ takes an int and touches no memory; on a non-pipe it fails harmlessly.
    unsafe {
        libc::fcntl(fd, libc::F_SETPIPE_SZ, 1 << 20);
    }
    #[cfg(not(target_os = "linux"))]
    let _ = fd;
}

pub(crate) fn open_input(p: &std::path::Path) -> Result<Box<dyn std::io::Read>, CliError> {
    if p.as_os_str() == "-" {
        widen_pipe(0);
        return Ok(Box::new(std::io::stdin().lock()));
    }
    std::fs::File::open(p)
        .map(|f| Box::new(f) as Box<dyn std::io::Read>)
        .map_err(|e| CliError::Usage(format!("cannot open {}: {e}", p.display())))
}

/// An input's lines: a file (gzip-compressed when it ends in `.gz`) or `-` for stdin.
pub(crate) fn open_lines(
    p: &std::path::Path,
) -> Result<lines::LineReader<Box<dyn std::io::Read>>, CliError> {
    let raw = open_input(p)?;
    let reader: Box<dyn std::io::Read> = if p.extension().is_some_and(|e| e == "gz") {
        Box::new(flate2::read::MultiGzDecoder::new(raw))
    } else {
        raw
    };
    Ok(lines::LineReader::new(reader))
}

/// Files given on the command line, or stdin when none.
pub(crate) fn inputs_or_stdin(files: &[PathBuf]) -> Vec<PathBuf> {
    if files.is_empty() {
        vec![PathBuf::from("-")]
    } else {
        files.to_vec()
    }
}

pub(crate) fn config() -> Result<Config, CliError> {
    Config::from_env().map_err(|e| CliError::Usage(e.to_string()))
}

/// Runs the tool with the process arguments.
pub fn main() -> ExitCode {
    run(std::env::args_os())
}

pub fn run(args: impl IntoIterator<Item = impl Into<OsString> + Clone>) -> ExitCode {
    let cli = match Cli::try_parse_from(args) {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let result = match cli.command {
        Command::Parse(a) => parse::run(a),
        Command::Transform(a) => transform::run(a),
        Command::Event(a) => event::run(a),
        Command::Schema(a) => schema::run(a),
        Command::Generate(a) => generate::run(a),
        Command::Replay(a) => replay::run(a),
    };
    match result {
        Ok(code) => code,
        Err(CliError::Usage(m)) => {
            eprintln!("accesslog: {m}");
            ExitCode::from(2)
        }
        Err(CliError::Io(m)) => {
            eprintln!("accesslog: {m}");
            ExitCode::from(1)
        }
        Err(CliError::StdoutClosed) => ExitCode::from(1),
    }
}
