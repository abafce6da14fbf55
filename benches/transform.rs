//! `Transformer::transform` on a 3 MB Firehose batch (BufferSizeInMBs = 3, the processor's
//! maximum): corpus lines, one per record, as the deployed RecordDeAggregation delivers them.

use accesslog::config::Config;
use accesslog::firehose::{Buffers, Transformer};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use serde_json::json;

/// A Firehose event holding `payload` bytes of corpus lines.
pub fn batch(payload: usize) -> Vec<u8> {
    let p = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/corpus/elastic-apache-combined-10k.log"
    );
    let text = std::fs::read(p).expect("the corpus sits at ../shared/corpus");
    let mut records = Vec::new();
    let mut size = 0;
    'fill: loop {
        for line in text.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
            if size + line.len() > payload {
                break 'fill;
            }
            size += line.len();
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

fn bench(c: &mut Criterion) {
    let event = batch(3_000_000);
    let t = Transformer::new(
        Config::from_lookup(|k| (k == "TIME_GUARD").then(|| "off".to_string())).unwrap(),
    );
    let mut g = c.benchmark_group("transform");
    g.throughput(Throughput::Bytes(event.len() as u64));
    g.sample_size(50);
    g.bench_function("firehose_batch_3MB", |b| {
        let mut out = Vec::with_capacity(event.len() * 2);
        let mut bufs = Buffers::default();
        b.iter(|| {
            out.clear();
            t.transform(&event, &mut out, &mut bufs).unwrap().ok
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
