//! accesslog: web access logs to partitioned, queryable data.
//!
//! The crate holds everything once, for both the Firehose Lambda (`accesslog-transform`) and the
//! `accesslog` command-line tool:
//!
//! | module | holds |
//! |---|---|
//! | [`parser`] | the access-log line parser (every format of SPEC §3) |
//! | [`format`] | `LOG_FORMAT`: nginx `log_format` / Apache `LogFormat` strings compiled into parse plans |
//! | [`record`] | the parsed record and its text fields |
//! | [`time`] | timestamps, UTC conversion and the KST partition keys (SPEC §4) |
//! | [`input`] | bare lines and Fluent Bit JSON records |
//! | [`json`] | the record's JSON form |
//! | `cursor` | a JSON reader for the event and Fluent Bit records, serde_json behind it, and the record layouts (`Shape`) the event reader compares against |
//! | [`event`] | reading the Firehose event JSON (a fast reader, serde_json behind it) |
//! | [`firehose`] | the Firehose transformation contract (SPEC §5) |
//! | `b64` | base64 of each record, its data decoded and its JSON encoded in whole AVX2 steps on x86-64 and NEON steps on aarch64 (`base64-simd` elsewhere) |
//! | [`error`] | why a line or a record could not become a record: the stable reason codes the metrics, the invocation log and `accesslog parse` share |
//! | [`config`] | environment configuration, validated at cold start |
//! | [`metrics`] | the invocation log line with CloudWatch EMF counters |
//! | [`schema`] | the record schema every other schema is generated from |
//! | [`generate`] | deterministic synthetic traffic for one KST day |
//! | [`replay`] | the local stand-in for Firehose + S3 |
//! | [`lake`] | JSON → Parquet by the Glue schema, and the S3 key layout |
//! | [`batch`] | lines → Arrow batches of lake rows with their partition columns, and the failed lines apart (the Python module's batch call) |
//! | `s3` | S3 lakes and inputs through `object_store`, credentials from `aws-config` (`s3` feature) |
//! | [`store`] | a lake's root: a local directory or an S3 prefix (`s3` feature) |
//! | [`manifest`] | a replay's staging, commits and lock: what makes a backfill resumable |
//! | `scan` | byte-class scans 16 bytes at a time (SSE2 on x86-64, NEON on aarch64) for the parser, the event reader and the JSON writer |
//! | [`cli`] | the `accesslog` commands |
//!
//! ```
//! use accesslog::{parser::Parser, time::Zone};
//! let parser = Parser::new(Zone::named("Asia/Seoul").unwrap());
//! let rec = parser
//!     .parse(br#"::1 - - [22/Nov/2026:23:30:00 +0000] "GET /a?b=1 HTTP/1.1" 200 - "-" "curl""#)
//!     .unwrap();
//! assert_eq!(rec.path.unwrap().value(), "/a");
//! assert_eq!(rec.bytes, None); // `-` is absent, not 0
//! ```

/// Cases for a property test: `default`, or `PROPTEST_CASES` when that is fewer. proptest reads
/// the variable only for properties without a count of their own; the aarch64 tests, which run
/// under emulation at a fraction of the speed, set it for all of them (mk/arm64.mk).
#[cfg(test)]
pub(crate) fn proptest_cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .map_or(default, |cap: u32| cap.min(default))
}

mod b64;
pub mod batch;
pub mod cli;
pub mod config;
mod cursor;
pub mod error;
pub mod event;
pub mod firehose;
pub mod format;
pub mod generate;
pub mod input;
pub mod json;
pub mod lake;
pub mod manifest;
pub mod metrics;
pub mod parser;
pub mod record;
pub mod replay;
#[cfg(feature = "s3")]
pub mod s3;
mod scan;
pub mod schema;
pub mod store;
pub mod time;
