//! `vrl-parse FILE`: run Vector's VRL `parse_apache_log(format: "combined")` on each line of
//! FILE and write each resulting object as one JSON line to stdout. A baseline for
//! `accesslog parse FILE > /dev/null` (read, parse, JSON out).

use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Write};
use std::process::ExitCode;
use std::time::Instant;

use vrl::compiler::{compile, runtime::Runtime, TargetValue, TimeZone};
use vrl::value::{ObjectMap, Secrets, Value};

const PROGRAM: &str = r#". = parse_apache_log!(.message, format: "combined")"#;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 2 {
        eprintln!("usage: vrl-parse FILE");
        return ExitCode::from(2);
    }
    match run(&args[1]) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("vrl-parse: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(path: &str) -> io::Result<()> {
    let fns = vrl::stdlib::all();
    let program = match compile(PROGRAM, &fns) {
        Ok(result) => result.program,
        Err(diagnostics) => {
            return Err(io::Error::other(format!(
                "VRL program does not compile: {diagnostics:?}"
            )))
        }
    };
    let timezone = TimeZone::default();
    let mut runtime = Runtime::default();

    let mut reader = BufReader::with_capacity(1 << 16, File::open(path)?);
    let stdout = io::stdout();
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());

    let (mut lines, mut ok, mut failed) = (0u64, 0u64, 0u64);
    let mut buf = Vec::with_capacity(4096);
    let start = Instant::now();
    loop {
        buf.clear();
        if reader.read_until(b'\n', &mut buf)? == 0 {
            break;
        }
        let mut line = buf.as_slice();
        if let Some(rest) = line.strip_suffix(b"\n") {
            line = rest;
        }
        if let Some(rest) = line.strip_suffix(b"\r") {
            line = rest;
        }
        lines += 1;

        let mut event = ObjectMap::new();
        event.insert("message".into(), Value::from(line));
        let mut target = TargetValue {
            value: Value::Object(event),
            metadata: Value::Object(ObjectMap::new()),
            secrets: Secrets::default(),
        };
        runtime.clear();
        match runtime.resolve(&mut target, &program, &timezone) {
            Ok(_) => {
                ok += 1;
                serde_json::to_writer(&mut out, &target.value).map_err(io::Error::other)?;
                out.write_all(b"\n")?;
            }
            Err(_) => failed += 1,
        }
    }
    out.flush()?;
    let secs = start.elapsed().as_secs_f64();
    let rate = if secs > 0.0 { lines as f64 / secs } else { 0.0 };
    eprintln!("vrl-parse: {lines} lines, {ok} ok, {failed} failed, {secs:.3} s, {rate:.0} lines/s");
    Ok(())
}
