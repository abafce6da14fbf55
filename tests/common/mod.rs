//! Helpers shared by several test files.

use accesslog::input::{LineDecoder, LineScratch};
use accesslog::json::{json_len, write_record};
use accesslog::lake::RowBuffer;
use accesslog::parser::Parser;
use accesslog::time::Zone;
use proptest::prelude::*;

/// `accesslog replay` appends parsed records straight to Parquet columns; Firehose converts the
/// Lambda's JSON with its JSON reader. Both must give the same rows, and the length replay
/// counts for the response budget must be the JSON's length.
/// Returns how many lines parsed.
pub fn lake_paths_agree<'a>(lines: impl Iterator<Item = &'a [u8]>) -> Result<usize, TestCaseError> {
    let decoder = LineDecoder::new(Parser::new(Zone::named("Asia/Seoul").unwrap()), "log");
    let (mut direct, mut via_json) = (RowBuffer::new(), RowBuffer::new());
    let mut scratch = LineScratch::default();
    let mut parsed = 0;
    for line in lines {
        let bytes = line.to_vec();
        let Ok(rec) = decoder.decode(&bytes, &mut scratch) else {
            continue;
        };
        let mut json = Vec::new();
        write_record(&mut json, &rec, &mut Vec::new());
        let len = direct.append_record(&rec, &mut Vec::new());
        prop_assert_eq!(len, json.len(), "{}", String::from_utf8_lossy(&json));
        prop_assert_eq!(json_len(&rec, &mut Vec::new()), json.len());
        via_json
            .append_json(&json)
            .map_err(|e| TestCaseError::fail(format!("{e}: {}", String::from_utf8_lossy(&json))))?;
        parsed += 1;
    }
    prop_assert_eq!(direct.rows(), parsed);
    prop_assert_eq!(direct.bytes, via_json.bytes);
    prop_assert_eq!(direct.finish_batch(), via_json.finish_batch());
    Ok(parsed)
}

/// Cases for a property test: `default`, or `PROPTEST_CASES` when that is fewer (proptest reads
/// the variable only for properties without a count of their own; the aarch64 tests under
/// emulation set it, see mk/arm64.mk).
#[allow(dead_code)] // not every test file that shares these helpers has properties
pub fn proptest_cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .map_or(default, |cap: u32| cap.min(default))
}
