//! Any bytes as a Firehose event: either an error, or a response with every record id once.
#![no_main]

use accesslog::config::Config;
use accesslog::firehose::{Buffers, Transformer};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let t = Transformer::new(Config::default());
    let mut out = Vec::new();
    if let Ok(summary) = t.transform(data, &mut out, &mut Buffers::default()) {
        let v: serde_json::Value = serde_json::from_slice(&out).expect("valid JSON");
        let n = v["records"].as_array().unwrap().len() as u64;
        assert_eq!(n, summary.records_in);
        assert_eq!(summary.ok + summary.dropped + summary.failed_total(), n);
    }
});
