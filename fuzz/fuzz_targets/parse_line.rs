//! Any bytes as a line (bare or Fluent Bit JSON): no panic, and an accepted line writes valid
//! JSON whose `ts` is in range.
#![no_main]

use accesslog::input::{LineDecoder, LineScratch};
use accesslog::parser::Parser;
use accesslog::time::Zone;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let decoder = LineDecoder::new(Parser::new(Zone::named("Asia/Seoul").unwrap()), "log");
    let mut scratch = LineScratch::default();
    if let Ok(rec) = decoder.decode(data, &mut scratch) {
        let mut out = Vec::new();
        accesslog::json::write_record(&mut out, &rec, &mut Vec::new());
        let v: serde_json::Value = serde_json::from_slice(&out).expect("valid JSON");
        assert!(v["ts"].as_str().unwrap().len() == 23);
    }
});
