//! `accesslog parse [FILE]...`: lines in, one SPEC §3 JSON record per line out.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use super::{config, input_name, inputs_or_stdin, open_lines, CliError};
use crate::error::ParseError;
use crate::format::LineFormat;
use crate::input::{LineDecoder, LineScratch};
use crate::json::write_record;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Log files (bare lines or Fluent Bit JSON records, `.gz` too); stdin when none or `-`
    files: Vec<PathBuf>,
    /// The line format, as LOG_FORMAT takes it (auto, combined, nginx:<log_format string>,
    /// apache:<LogFormat string>); overrides LOG_FORMAT
    #[arg(long, value_name = "FORMAT")]
    log_format: Option<String>,
}

pub fn run(args: Args) -> Result<ExitCode, CliError> {
    let mut cfg = config()?;
    if let Some(f) = &args.log_format {
        cfg.log_format = LineFormat::parse(f)
            .map_err(|fix| CliError::Usage(format!("invalid --log-format {f:?}: {fix}")))?;
    }
    let decoder = LineDecoder::new(cfg.parser(), cfg.log_key.clone());
    let stdout = std::io::stdout();
    let mut stdout = stdout.lock();
    let mut out = Vec::with_capacity(1 << 17);
    let mut scratch = LineScratch::default();
    let mut unescape = Vec::new();
    let mut failed = 0u64;
    for path in inputs_or_stdin(&args.files) {
        let name = input_name(&path);
        let mut reader = open_lines(&path)?;
        while let Some(line) = reader
            .next_line()
            .map_err(|e| CliError::Io(format!("reading {name}: {e}")))?
        {
            match decoder.decode(line, &mut scratch) {
                Ok(rec) => {
                    write_record(&mut out, &rec, &mut unescape);
                    out.push(b'\n');
                    if out.len() >= 1 << 16 {
                        stdout.write_all(&out).map_err(CliError::stdout)?;
                        out.clear();
                    }
                }
                // A blank line is not a record, and not a failure either.
                Err(ParseError::Empty) => {}
                Err(e) => {
                    failed += 1;
                    eprintln!("{name}:{}: {e}", reader.line_no);
                }
            }
        }
    }
    stdout.write_all(&out).map_err(CliError::stdout)?;
    stdout.flush().map_err(CliError::stdout)?;
    Ok(if failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
