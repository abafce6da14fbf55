//! `accesslog generate`: deterministic synthetic traffic for one KST day, streamed to stdout.

use std::process::ExitCode;

use super::CliError;
use crate::generate::{generate, Options};
use crate::record::LogFormat;

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
enum Format {
    App,
    Combined,
    Common,
    VhostCombined,
    NginxMain,
    Werkzeug,
}

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The KST day, YYYY-MM-DD
    #[arg(long, value_parser = crate::time::parse_date)]
    date: chrono::NaiveDate,
    /// Number of lines, malformed ones included
    #[arg(long)]
    lines: u64,
    /// Seed: the same seed gives the same lines
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Share of malformed lines, 0 to 1
    #[arg(long, default_value_t = 0.0, value_parser = ratio)]
    bad_ratio: f64,
    /// Log format of the good lines
    #[arg(long, value_enum, default_value = "app")]
    format: Format,
}

fn ratio(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(r) if (0.0..=1.0).contains(&r) => Ok(r),
        _ => Err(format!(
            "{s:?} is not a ratio from 0 to 1 (e.g. 0.02 for 2%)"
        )),
    }
}

pub fn run(args: Args) -> Result<ExitCode, CliError> {
    let opts = Options {
        date: args.date,
        lines: args.lines,
        seed: args.seed,
        bad_ratio: args.bad_ratio,
        format: match args.format {
            Format::App => LogFormat::App,
            Format::Combined => LogFormat::Combined,
            Format::Common => LogFormat::Common,
            Format::VhostCombined => LogFormat::VhostCombined,
            Format::NginxMain => LogFormat::NginxMain,
            Format::Werkzeug => LogFormat::Werkzeug,
        },
    };
    super::widen_pipe(1);
    let stdout = std::io::stdout();
    generate(&opts, &mut stdout.lock()).map_err(CliError::stdout)?;
    Ok(ExitCode::SUCCESS)
}
