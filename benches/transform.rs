//! `Transformer::transform` on Firehose batches of corpus lines, one per record as the deployed
//! RecordDeAggregation delivers them, in the real shape (`kinesisRecordMetadata` included):
//! - `event_3MB`: an invocation payload (the event JSON) of 3 MB, ~3,900 records (or the event
//!   file named by `ACCESSLOG_BENCH_EVENT`);
//! - `floor_serde_base64_event_3MB`: the same event through a plain round trip with no parsing
//!   at all (`aws_lambda_events` types, serde_json, the `base64` crate): the reference floor.
//!
//! (3 MB of record *data* from short lines would be a ~10 MB event, which Lambda's 6 MB request
//! limit rules out.)

use accesslog::config::Config;
use accesslog::event::Event;
use accesslog::firehose::{Buffers, Transformer};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use serde_json::json;

/// A Firehose event of at most `limit` bytes of JSON, made of corpus lines.
pub fn batch(limit: usize) -> Vec<u8> {
    let p = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/elastic-apache-combined-10k.log"
    );
    let text = std::fs::read(p).expect("the corpus sits at tests/data/");
    let mut records = Vec::new();
    let mut size = 0;
    'fill: loop {
        for line in text.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
            // ~430 bytes of JSON and metadata around each record's base64 data.
            let cost = line.len().div_ceil(3) * 4 + 430;
            if size + cost > limit {
                break 'fill;
            }
            size += cost;
            records.push(json!({
                "recordId": format!("4966{:052}000000000000", records.len()),
                "approximateArrivalTimestamp": 1_431_857_103_000i64,
                "data": base64_simd::STANDARD.encode_to_string(line),
                "kinesisRecordMetadata": {"shardId": "shardId-000000000000", "partitionKey": "k",
                    "approximateArrivalTimestamp": 1_431_857_103_000i64,
                    "sequenceNumber": format!("4966{:052}", records.len()), "subsequenceNumber": 0}
            }));
        }
    }
    serde_json::to_vec(&json!({"invocationId": "bench", "deliveryStreamArn": "arn:aws:firehose:ap-northeast-2:123456789012:deliverystream/accesslog",
        "sourceKinesisStreamArn": "arn:aws:kinesis:ap-northeast-2:123456789012:stream/wsi-log", "region": "ap-northeast-2", "records": records})).unwrap()
}

/// The reference floor: decode and re-encode every record with no parsing at all.
fn serde_base64_round_trip(event: &[u8]) -> usize {
    use aws_lambda_events::event::firehose::{
        KinesisFirehoseEvent, KinesisFirehoseResponse, KinesisFirehoseResponseRecord,
    };
    let ev: KinesisFirehoseEvent = serde_json::from_slice(event).unwrap();
    let mut resp = KinesisFirehoseResponse::default();
    for r in ev.records {
        let mut out = KinesisFirehoseResponseRecord::default();
        out.record_id = r.record_id;
        out.result = Some("Ok".into());
        out.data = r.data;
        resp.records.push(out);
    }
    serde_json::to_vec(&resp).unwrap().len()
}

fn bench(c: &mut Criterion) {
    let t = Transformer::new(
        Config::from_lookup(|k| (k == "TIME_GUARD").then(|| "off".to_string())).unwrap(),
    );
    let mut g = c.benchmark_group("transform");
    g.sample_size(30);
    // `scripts/bench-compare` passes its own event so that both sides of its comparison
    // measure the same bytes.
    let event = match std::env::var_os("ACCESSLOG_BENCH_EVENT") {
        Some(p) => std::fs::read(&p).expect("ACCESSLOG_BENCH_EVENT names a readable file"),
        None => batch(3_000_000),
    };
    g.throughput(Throughput::Bytes(event.len() as u64));
    g.bench_function("event_3MB", |b| {
        let mut out = Vec::with_capacity(event.len() * 2);
        let mut bufs = Buffers::default();
        b.iter(|| {
            out.clear();
            t.transform(&event, &mut out, &mut bufs).unwrap().ok
        })
    });
    // Reading the event alone: the fast reader, and serde_json alone (its fallback).
    g.bench_function("event_read_3MB", |b| {
        b.iter(|| Event::parse(&event).unwrap().inputs().len())
    });
    g.bench_function("event_read_serde_json_3MB", |b| {
        b.iter(|| {
            serde_json::from_slice::<Event>(&event)
                .unwrap()
                .inputs()
                .len()
        })
    });
    g.bench_function("floor_serde_base64_event_3MB", |b| {
        b.iter(|| serde_base64_round_trip(&event))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
