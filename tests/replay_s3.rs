//! `accesslog replay` straight from and to S3, against the loopback S3 server `make test-s3`
//! starts (moto_server): its address comes in `AWS_ENDPOINT_URL`, as any AWS tool reads it.
//! Ignored by a plain `cargo nextest run`, which has no server to talk to.
#![cfg(feature = "s3")]

use std::io::Write;

use accesslog::store::Store;
use parquet::file::reader::{FileReader, SerializedFileReader};

const CLI: &str = env!("CARGO_BIN_EXE_accesslog");

mod runner;

fn endpoint() -> String {
    std::env::var("AWS_ENDPOINT_URL")
        .expect("AWS_ENDPOINT_URL names the S3 server: run these tests with `make test-s3`")
}

/// A new bucket (S3's `CreateBucket` is a bare `PUT /bucket`).
fn bucket(tag: &str) -> String {
    let name = format!("{tag}-{}", std::process::id());
    let addr = endpoint();
    let host = addr.trim_start_matches("http://").trim_end_matches('/');
    let mut s = std::net::TcpStream::connect(host).unwrap();
    write!(
        s,
        "PUT /{name} HTTP/1.1\r\nHost: {host}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut reply = String::new();
    std::io::Read::read_to_string(&mut s, &mut reply).unwrap();
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
    name
}

fn corpus() -> Vec<u8> {
    std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/elastic-apache-combined-10k.log"),
    )
    .unwrap()
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut z = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    z.write_all(data).unwrap();
    z.finish().unwrap()
}

fn replay(args: &[&str]) -> String {
    let o = runner::command(CLI)
        .arg("replay")
        .args(args)
        .arg("--no-time-guard")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(o.status.success(), "replay failed: {err}");
    err
}

/// Rows of every Parquet object under `logs/`, and the partitions they are in.
fn lake_rows(lake: &Store) -> (i64, std::collections::BTreeSet<String>) {
    let mut rows = 0;
    let mut parts = std::collections::BTreeSet::new();
    for key in lake.list("logs/").unwrap() {
        assert!(key.ends_with(".parquet"), "{key}");
        let bytes = bytes::Bytes::from(lake.get(&key).unwrap().unwrap());
        rows += SerializedFileReader::new(bytes)
            .unwrap()
            .metadata()
            .file_metadata()
            .num_rows();
        parts.insert(key.rsplit_once('/').unwrap().0.to_string());
    }
    (rows, parts)
}

#[test]
#[ignore = "needs the loopback S3 server: make test-s3"]
fn a_prefix_of_plain_and_gzip_objects_and_a_local_file_land_in_an_s3_lake() {
    let (src, dst) = (bucket("source"), bucket("lake"));
    let lines: Vec<&[u8]> = corpus_lines();
    let source = Store::open(&format!("s3://{src}/")).unwrap();
    // The first half as it is, the second gzip-compressed, beside an object of another prefix.
    let half = lines.len() / 2;
    source.put("in/part-1.log", lines[..half].concat()).unwrap();
    source
        .put("in/part-2.log.gz", gzip(&lines[half..].concat()))
        .unwrap();
    source
        .put("other/x.log", b"not an input\n".to_vec())
        .unwrap();
    let local = std::env::temp_dir().join(format!("accesslog-s3-local-{}.log", std::process::id()));
    std::fs::write(&local, lines[..1000].concat()).unwrap();

    let lake_url = format!("s3://{dst}/backfill");
    let summary = replay(&[
        &format!("s3://{src}/in/"),
        local.to_str().unwrap(),
        "--lake",
        &lake_url,
    ]);
    assert!(
        summary.contains("in 11000, ok 11000, dropped 0, failed 0"),
        "{summary}"
    );
    let lake = Store::open(&lake_url).unwrap();
    let (rows, parts) = lake_rows(&lake);
    assert_eq!(rows, 11_000);
    assert_eq!(parts.len(), 84, "{parts:?}");
    assert!(parts.contains("logs/year=2015/month=05/day=17/hour=19"));
    // Nothing staged is left, and the bucket root outside the prefix is untouched.
    assert!(lake.list("_replay/staging/").unwrap().is_empty());
    assert_eq!(
        Store::open(&format!("s3://{dst}/"))
            .unwrap()
            .list("logs/")
            .unwrap(),
        Vec::<String>::new()
    );

    // Again: the manifest in the bucket says all three inputs are in.
    let again = replay(&[
        &format!("s3://{src}/in/"),
        local.to_str().unwrap(),
        "--lake",
        &lake_url,
    ]);
    assert!(again.contains("skipping 3 input(s)"), "{again}");
    assert_eq!(lake_rows(&lake).0, 11_000);
    std::fs::remove_file(local).unwrap();
}

fn corpus_lines() -> Vec<&'static [u8]> {
    let data: &'static [u8] = Box::leak(corpus().into_boxed_slice());
    data.split_inclusive(|&b| b == b'\n').collect()
}

#[test]
#[ignore = "needs the loopback S3 server: make test-s3"]
fn a_second_run_on_an_s3_lake_is_refused_while_the_first_holds_it() {
    let dst = bucket("locked");
    let lake = Store::open(&format!("s3://{dst}/")).unwrap();
    let held = lake.lock("_replay/lock", "first").unwrap();
    let err = lake.lock("_replay/lock", "second").err().expect("held");
    assert_eq!(err.kind(), std::io::ErrorKind::WouldBlock);
    assert!(err.to_string().contains("first"), "{err}");
    drop(held);
    lake.lock("_replay/lock", "third").unwrap();
}
