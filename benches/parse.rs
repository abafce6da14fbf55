//! Parsing + JSON writing per line, over the real corpus, in process (no I/O).
//! End-to-end CLI throughput and the comparison with other parsers are in `scripts/bench-compare`.

use accesslog::format::LineFormat;
use accesslog::input::{LineDecoder, LineScratch};
use accesslog::json::write_record;
use accesslog::parser::Parser;
use accesslog::time::Zone;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

fn corpus() -> Vec<u8> {
    let p = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/elastic-apache-combined-10k.log"
    );
    std::fs::read(p).expect("the corpus sits at tests/data/")
}

const COMBINED_NGINX: &str = r#"nginx:$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent""#;

fn bench(c: &mut Criterion) {
    let text = corpus();
    let lines: Vec<Vec<u8>> = text
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .map(<[u8]>::to_vec)
        .collect();
    let decoder = LineDecoder::new(Parser::new(Zone::named("Asia/Seoul").unwrap()), "log");
    let mut g = c.benchmark_group("parse");
    g.throughput(Throughput::Elements(lines.len() as u64));
    g.bench_function("corpus_10k_lines_parse_and_json", |b| {
        let mut out = Vec::with_capacity(4 << 20);
        let mut scratch = LineScratch::default();
        let mut unescape = Vec::new();
        let mut work = lines.clone();
        b.iter(|| {
            out.clear();
            for l in work.iter_mut() {
                if let Ok(rec) = decoder.decode(l, &mut scratch) {
                    write_record(&mut out, &rec, &mut unescape);
                    out.push(b'\n');
                }
            }
            out.len()
        })
    });
    g.bench_function("corpus_10k_lines_parse_only", |b| {
        let parser = decoder.parser();
        b.iter(|| lines.iter().filter(|l| parser.parse(l).is_ok()).count())
    });
    // The same lines read through LOG_FORMAT: combined written as nginx's log_format string,
    // compiled into a parse plan. The target is at least 70% of the built-in parser's lines/s.
    let plan = Parser::with_format(
        Zone::named("Asia/Seoul").unwrap(),
        LineFormat::parse(COMBINED_NGINX).expect("combined compiles"),
    );
    g.bench_function("corpus_10k_lines_parse_only_nginx_combined_string", |b| {
        b.iter(|| lines.iter().filter(|l| plan.parse(l).is_ok()).count())
    });
    let plan_decoder = LineDecoder::new(plan.clone(), "log");
    g.bench_function(
        "corpus_10k_lines_parse_and_json_nginx_combined_string",
        |b| {
            let mut out = Vec::with_capacity(4 << 20);
            let mut scratch = LineScratch::default();
            let mut unescape = Vec::new();
            b.iter(|| {
                out.clear();
                for l in lines.iter() {
                    if let Ok(rec) = plan_decoder.decode(l, &mut scratch) {
                        write_record(&mut out, &rec, &mut unescape);
                        out.push(b'\n');
                    }
                }
                out.len()
            })
        },
    );
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
