//! The real corpus (`tests/data/elastic-apache-combined-10k.log`, 10,000 lines of Apache
//! traffic nobody here wrote). Expectations come from the corpus README and are recomputed here
//! with independent code (chrono's own strptime, a plain split on quotes), never from the parser.

use std::path::PathBuf;

use accesslog::input::{LineDecoder, LineScratch};
use accesslog::parser::Parser;
use accesslog::record::Warning;
use accesslog::time::Zone;

pub fn corpus_path() -> PathBuf {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/elastic-apache-combined-10k.log");
    assert!(
        p.exists(),
        "the corpus is missing at {}: it is committed in the repository; restore it with git checkout",
        p.display()
    );
    p
}

/// The logged time in UTC, by chrono: `[17/May/2015:10:05:03 +0000]` → `2015-05-17 10:05:03.000`.
fn logged_utc(line: &str) -> String {
    let open = line.find('[').unwrap();
    let close = line.find(']').unwrap();
    chrono::DateTime::parse_from_str(&line[open + 1..close], "%d/%b/%Y:%H:%M:%S %z")
        .unwrap()
        .with_timezone(&chrono::Utc)
        .format("%Y-%m-%d %H:%M:%S%.3f")
        .to_string()
}

#[test]
fn corpus_facts_hold() {
    let text = std::fs::read(corpus_path()).unwrap();
    let decoder = LineDecoder::new(Parser::new(Zone::named("Asia/Seoul").unwrap()), "log");
    let mut scratch = LineScratch::default();
    let (mut ok, mut clean, mut dash_sizes_absent, mut dash_sizes_logged) = (0, 0, 0, 0);
    let mut truncated_lines = Vec::new();
    for (n, raw) in text.split(|&b| b == b'\n').enumerate() {
        if raw.is_empty() {
            continue;
        }
        let line_no = n + 1;
        let line = String::from_utf8_lossy(raw).into_owned();
        // Independent split: the size is the second word after the request's closing quote.
        let after_request: Vec<&str> = line
            .split('"')
            .nth(2)
            .unwrap_or("")
            .split_whitespace()
            .collect();
        let logged_dash = after_request.get(1) == Some(&"-");
        dash_sizes_logged += logged_dash as u32;

        let bytes = raw.to_vec();
        let rec = decoder
            .decode(&bytes, &mut scratch)
            .unwrap_or_else(|e| panic!("line {line_no} failed: {e}"));
        ok += 1;
        match rec.parse_warning {
            None => clean += 1,
            Some(Warning::Truncated) => truncated_lines.push(line_no),
            Some(w) => panic!("line {line_no}: unexpected warning {w:?}"),
        }
        if logged_dash {
            assert_eq!(
                rec.bytes, None,
                "line {line_no}: `-` size must be absent, not 0"
            );
            dash_sizes_absent += 1;
        } else {
            assert_eq!(
                rec.bytes.map(|b| b.to_string()).as_deref(),
                after_request.get(1).copied(),
                "line {line_no}"
            );
        }
        let mut ts = Vec::new();
        accesslog::time::write_ts(rec.ts_ms, &mut ts);
        assert_eq!(
            String::from_utf8(ts).unwrap(),
            logged_utc(&line),
            "line {line_no}"
        );
        assert_eq!(
            rec.log_format,
            accesslog::record::LogFormat::Combined,
            "line {line_no}"
        );
    }
    assert_eq!(ok, 10_000);
    assert_eq!(clean, 9_999);
    assert_eq!(truncated_lines, vec![8899]);
    assert_eq!(
        dash_sizes_logged, 669,
        "the corpus README counts 669 `-` sizes"
    );
    assert_eq!(dash_sizes_absent, 669);
}
