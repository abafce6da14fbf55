//! accesslog: web access logs to partitioned, queryable data.
//!
//! The crate holds everything once, for both the Firehose Lambda (`accesslog-transform`) and the
//! `accesslog` command-line tool:
//!
//! | module | holds |
//! |---|---|
//! | [`parser`] | the access-log line parser (every format of SPEC §3) |
//! | [`record`] | the parsed record and its text fields |
//! | [`time`] | timestamps, UTC conversion and the KST partition keys (SPEC §4) |
//! | [`input`] | bare lines and Fluent Bit JSON records |
//! | [`json`] | the record's JSON form |
//! | `cursor` | a JSON reader for the event and Fluent Bit records, serde_json behind it, and the record layouts (`Shape`) the event reader compares against |
//! | [`event`] | reading the Firehose event JSON (a fast reader, serde_json behind it) |
//! | [`firehose`] | the Firehose transformation contract (SPEC §5) |
//! | `b64` | base64 of each record, its data decoded and its JSON encoded in whole AVX2 steps (`base64-simd` without AVX2) |
//! | [`config`] | environment configuration, validated at cold start |
//! | [`metrics`] | the invocation log line with CloudWatch EMF counters |
//! | [`schema`] | the record schema every other schema is generated from |
//! | [`generate`] | deterministic synthetic traffic for one KST day |
//! | [`replay`] | the local stand-in for Firehose + S3 |
//! | [`lake`] | JSON → Parquet by the Glue schema, and the S3 key layout |
//! | [`scan`] | byte-class scans 16 bytes at a time (SSE2) for the parser and the JSON writer; 32 (AVX2, detected at run time) for long strings in the event |
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

mod b64;
pub mod cli;
pub mod config;
mod cursor;
pub mod error;
pub mod event;
pub mod firehose;
pub mod generate;
pub mod input;
pub mod json;
pub mod lake;
pub mod metrics;
pub mod parser;
pub mod record;
pub mod replay;
pub mod scan;
pub mod schema;
pub mod time;
