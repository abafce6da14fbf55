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

/// `accesslog generate` output: a day of one server's log, malformed lines included.
fn generated(date: &str, lines: u32, seed: u32) -> Vec<u8> {
    let o = runner::command(CLI)
        .args(["generate", "--date", date, "--lines"])
        .arg(lines.to_string())
        .args(["--seed", &seed.to_string(), "--bad-ratio", "0.02"])
        .output()
        .unwrap();
    assert!(o.status.success());
    o.stdout
}

/// The `ok` count of a replay summary.
fn ok_count(summary: &str) -> i64 {
    let at = summary.find(", ok ").unwrap_or_else(|| panic!("{summary}")) + 5;
    summary[at..]
        .split(|c: char| !c.is_ascii_digit())
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

#[test]
#[ignore = "needs the loopback S3 server: make test-s3"]
fn a_killed_backfill_into_s3_shows_only_its_commits_and_the_rerun_gives_exact_totals() {
    use std::time::{Duration, Instant};
    let (src, dst) = (bucket("killed-src"), bucket("killed-lake"));
    let source = Store::open(&format!("s3://{src}/")).unwrap();
    let (a, b) = (
        generated("2026-03-01", 3_000, 1),
        generated("2026-03-02", 3_000, 1),
    );
    let c = generated("2026-03-01", 3_000, 2);
    source.put("in/a.log", a.clone()).unwrap();
    source.put("in/b.log.gz", gzip(&b)).unwrap();
    let lake_url = format!("s3://{dst}/lake");
    let lake = Store::open(&lake_url).unwrap();
    let args = |extra: &[&str]| -> Vec<String> {
        let mut v = vec![
            format!("s3://{src}/in/a.log"),
            format!("s3://{src}/in/b.log.gz"),
            "-".into(),
            "--lake".into(),
            lake_url.clone(),
            "--no-time-guard".into(),
        ];
        v.extend(extra.iter().map(|s| s.to_string()));
        v
    };
    // a and b are committed one by one; then the run reads stdin (a third server's log), which
    // stays open, so it is surely in the middle of that input when it is killed.
    let mut first = runner::command(CLI)
        .arg("replay")
        .args(args(&["--commit-every-mb", "0"]))
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = first.stdin.take().unwrap();
    stdin.write_all(&c[..c.len() / 2]).unwrap();
    stdin.flush().unwrap();
    let published = || {
        lake.list("_replay/commits/")
            .unwrap()
            .iter()
            .filter(|k| {
                lake.get(k)
                    .unwrap()
                    .is_some_and(|t| String::from_utf8_lossy(&t).contains("\"published\": true"))
            })
            .count()
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    while published() < 2 {
        assert!(Instant::now() < deadline, "a and b were never committed");
        std::thread::sleep(Duration::from_millis(50));
    }
    first.kill().unwrap();
    first.wait().unwrap();
    drop(stdin);

    // The killed run could not delete its lock object: a run right after it is refused, with
    // the lock's age and when it is taken over.
    let refused = runner::command(CLI)
        .arg("replay")
        .args(args(&[]))
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(err.contains("is taken over"), "{err}");

    // Only what was committed is visible: a's and b's rows, nothing of c.
    let alone = |data: &[u8], name: &str| {
        let dir = std::env::temp_dir().join(format!("accesslog-s3-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let input = dir.join("in.log");
        std::fs::write(&input, data).unwrap();
        let lake_dir = dir.join("lake");
        let s = replay(&[
            input.to_str().unwrap(),
            "--lake",
            lake_dir.to_str().unwrap(),
        ]);
        std::fs::remove_dir_all(&dir).unwrap();
        ok_count(&s)
    };
    let (a_ok, b_ok, c_ok) = (alone(&a, "a"), alone(&b, "b"), alone(&c, "c"));
    assert_eq!(lake_rows(&lake).0, a_ok + b_ok);
    let lines = |d: &[u8]| d.iter().filter(|&&x| x == b'\n').count() as i64;
    assert!(
        lines(&a) + lines(&b) > a_ok + b_ok,
        "the inputs hold malformed lines"
    );

    // Two minutes later the lock is stale; its heartbeat is set back here rather than waited for.
    lake.put("_replay/lock", b"killed-run 0".to_vec()).unwrap();
    // The same command again, c whole on stdin: a and b are skipped, c replayed once.
    let mut rerun = runner::command(CLI)
        .arg("replay")
        .args(args(&[]))
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    rerun.stdin.take().unwrap().write_all(&c).unwrap();
    let out = rerun.wait_with_output().unwrap();
    let summary = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{summary}");
    assert!(summary.contains("skipping 2 input(s)"), "{summary}");
    assert_eq!(ok_count(&summary), c_ok);
    assert_eq!(lake_rows(&lake).0, a_ok + b_ok + c_ok);
    // Nothing the killed run staged is left behind, and the lock is let go.
    assert!(lake.list("_replay/staging/").unwrap().is_empty());
    assert!(lake.get("_replay/lock").unwrap().is_none());
}
