//! `accesslog replay` as users run it: the real corpus into a lake, the layout it writes, the
//! Parquet it holds, and the accounting (nothing lost, nothing overwritten).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use parquet::file::reader::{FileReader, SerializedFileReader};

const CLI: &str = env!("CARGO_BIN_EXE_accesslog");

mod runner;

fn tempdir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("accesslog-replay-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries {
            let p = e.unwrap().path();
            if p.is_dir() {
                out.extend(files_under(&p));
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn replay(args: &[&str]) -> String {
    let o = runner::command(CLI)
        .arg("replay")
        .args(args)
        .env_remove("TIME_GUARD")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(o.status.success(), "replay failed: {err}");
    err
}

/// The `year=…/month=…/day=…/hour=…` part of each Parquet file's key.
fn partitions(lake: &Path) -> BTreeSet<String> {
    files_under(&lake.join("logs"))
        .iter()
        .map(|p| {
            p.parent()
                .unwrap()
                .strip_prefix(lake.join("logs"))
                .unwrap()
                .display()
                .to_string()
        })
        .collect()
}

fn parquet_rows(files: &[PathBuf]) -> i64 {
    files
        .iter()
        .map(|f| {
            SerializedFileReader::new(std::fs::File::open(f).unwrap())
                .unwrap()
                .metadata()
                .file_metadata()
                .num_rows()
        })
        .sum()
}

#[test]
fn the_corpus_lands_in_kst_partitions_with_nothing_lost() {
    let corpus = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/elastic-apache-combined-10k.log");
    let lake = tempdir("corpus");
    let summary = replay(&[
        corpus.to_str().unwrap(),
        "--lake",
        lake.to_str().unwrap(),
        "--no-time-guard",
    ]);
    assert!(
        summary.contains("in 10000, ok 10000, dropped 0, failed 0"),
        "{summary}"
    );

    // The corpus runs 2015-05-17 10:05 to 2015-05-20 21:05 UTC: 19h KST on the 17th to 06h on the 21st.
    let parts = partitions(&lake);
    assert_eq!(parts.first().unwrap(), "year=2015/month=05/day=17/hour=19");
    assert_eq!(parts.last().unwrap(), "year=2015/month=05/day=21/hour=06");
    assert_eq!(
        parts.len(),
        84,
        "every hour from 19h on the 17th to 06h on the 21st holds traffic"
    );

    let data = files_under(&lake.join("logs"));
    assert!(data
        .iter()
        .all(|f| f.extension().is_some_and(|e| e == "parquet")));
    assert_eq!(parquet_rows(&data), 10_000);
    // Line 8899 (truncated) is kept as Ok with its warning, so there is no error envelope.
    assert!(files_under(&lake.join("errors")).is_empty());

    // The same command again: the manifest says the corpus is in the lake, so nothing is added.
    let again = replay(&[
        corpus.to_str().unwrap(),
        "--lake",
        lake.to_str().unwrap(),
        "--no-time-guard",
    ]);
    assert!(
        again.contains("skipping 1 input(s) the lake has committed already"),
        "{again}"
    );
    assert!(again.contains("in 0, ok 0"), "{again}");
    assert_eq!(files_under(&lake.join("logs")), data);

    // --force replays it: new files beside the first ones, nothing overwritten.
    replay(&[
        corpus.to_str().unwrap(),
        "--lake",
        lake.to_str().unwrap(),
        "--no-time-guard",
        "--force",
    ]);
    let again = files_under(&lake.join("logs"));
    assert!(again.len() > data.len());
    assert!(data.iter().all(|f| again.contains(f)));
    assert_eq!(parquet_rows(&again), 20_000);
    std::fs::remove_dir_all(&lake).unwrap();
}

#[test]
fn a_malformed_mix_is_fully_accounted_for() {
    let event = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("events/malformed-mix.json");
    let lake = tempdir("mix");
    let summary = replay(&[event.to_str().unwrap(), "--lake", lake.to_str().unwrap()]);
    // The event's own arrival times drive the time guard, exactly as in the Lambda.
    assert!(
        summary.contains("in 11, ok 3, dropped 1, failed 7"),
        "{summary}"
    );

    let envelopes: Vec<serde_json::Value> = files_under(&lake.join("errors/processing-failed"))
        .iter()
        .flat_map(|f| {
            std::fs::read_to_string(f)
                .unwrap()
                .lines()
                .map(|l| serde_json::from_str(l).unwrap())
                .collect::<Vec<_>>()
        })
        .collect();
    assert_eq!(envelopes.len(), 7);
    let input: serde_json::Value = serde_json::from_slice(&std::fs::read(&event).unwrap()).unwrap();
    let inputs: Vec<&str> = input["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["data"].as_str().unwrap())
        .collect();
    for env in &envelopes {
        for key in [
            "attemptsMade",
            "arrivalTimestamp",
            "errorCode",
            "errorMessage",
            "attemptEndingTimestamp",
            "rawData",
        ] {
            assert!(env.get(key).is_some(), "{key} missing in {env}");
        }
        // rawData is the original record, byte for byte.
        assert!(inputs.contains(&env["rawData"].as_str().unwrap()), "{env}");
    }
    // Error objects sit under the arrival hour in UTC (2026-11-22T10:00Z for this event).
    let dirs: BTreeSet<String> = files_under(&lake.join("errors"))
        .iter()
        .map(|p| {
            p.parent()
                .unwrap()
                .strip_prefix(&lake)
                .unwrap()
                .display()
                .to_string()
        })
        .collect();
    assert_eq!(
        dirs.into_iter().collect::<Vec<_>>(),
        ["errors/processing-failed/year=2026/month=11/day=22/hour=10"]
    );
    assert_eq!(parquet_rows(&files_under(&lake.join("logs"))), 3);
    std::fs::remove_dir_all(&lake).unwrap();
}

/// `accesslog generate` output: one KST day of `lines` lines, 2% malformed.
fn generate(dir: &Path, date: &str, lines: u64, seed: u64) -> PathBuf {
    let path = dir.join(format!("{date}-{seed}.log"));
    let out = runner::command(CLI)
        .args(["generate", "--date", date, "--lines"])
        .arg(lines.to_string())
        .args(["--seed", &seed.to_string(), "--bad-ratio", "0.02"])
        .output()
        .unwrap();
    assert!(out.status.success());
    std::fs::write(&path, out.stdout).unwrap();
    path
}

/// `in`, `ok`, `dropped`, `failed` and `rows` from a replay's summary.
fn summary_counts(summary: &str) -> [u64; 5] {
    let num = |after: &str| -> u64 {
        let at = summary
            .find(after)
            .unwrap_or_else(|| panic!("{after:?} in {summary}"))
            + after.len();
        summary[at..]
            .split(|c: char| !c.is_ascii_digit())
            .next()
            .unwrap()
            .parse()
            .unwrap()
    };
    [
        num("replay: in "),
        num(", ok "),
        num(", dropped "),
        num(", failed "),
        summary
            .lines()
            .find_map(|l| l.strip_prefix("replay: ")?.split_once(" rows in "))
            .unwrap_or_else(|| panic!("no rows in {summary}"))
            .0
            .parse()
            .unwrap(),
    ]
}

fn count_lines(files: &[&Path]) -> u64 {
    files
        .iter()
        .map(|f| {
            std::fs::read(f)
                .unwrap()
                .iter()
                .filter(|&&b| b == b'\n')
                .count() as u64
        })
        .sum()
}

/// Every row of every Parquet file under `logs/`, by partition, sorted: the lake's content
/// whatever the files' names and the rows' order.
fn rows_by_partition(lake: &Path) -> std::collections::BTreeMap<String, Vec<String>> {
    let mut out = std::collections::BTreeMap::<String, Vec<String>>::new();
    for f in files_under(&lake.join("logs")) {
        let part = f
            .parent()
            .unwrap()
            .strip_prefix(lake.join("logs"))
            .unwrap()
            .display()
            .to_string();
        let reader = SerializedFileReader::new(std::fs::File::open(&f).unwrap()).unwrap();
        let rows = out.entry(part).or_default();
        for row in reader.get_row_iter(None).unwrap() {
            rows.push(row.unwrap().to_string());
        }
    }
    for rows in out.values_mut() {
        rows.sort();
    }
    out
}

#[test]
fn interleaved_inputs_are_counted_right_and_every_row_lands_once() {
    let dir = tempdir("interleaved");
    // Three servers' logs of the same two days, one after the other: every file goes back to
    // partitions the one before filled.
    let mut inputs = Vec::new();
    for seed in [1, 2, 3] {
        for date in ["2026-03-01", "2026-03-02"] {
            inputs.push(generate(&dir, date, 2_000, seed));
        }
    }
    let lines = count_lines(&inputs.iter().map(PathBuf::as_path).collect::<Vec<_>>());
    let lake = dir.join("lake");
    let mut args: Vec<&str> = inputs.iter().map(|p| p.to_str().unwrap()).collect();
    args.extend(["--lake", lake.to_str().unwrap(), "--no-time-guard"]);
    let summary = replay(&args);
    let [n_in, ok, dropped, failed, rows] = summary_counts(&summary);
    assert_eq!(n_in, lines, "{summary}");
    assert_eq!(n_in, ok + dropped + failed, "{summary}");
    assert!(failed > 0, "the generated days hold malformed lines");
    assert_eq!(rows, ok, "{summary}");
    assert_eq!(parquet_rows(&files_under(&lake.join("logs"))), rows as i64);

    // The same inputs in another order, on one thread and on three: the same rows in every
    // partition.
    let mut by_threads = Vec::new();
    for threads in ["1", "3"] {
        let other = dir.join(format!("lake-{threads}"));
        let mut args: Vec<&str> = inputs.iter().rev().map(|p| p.to_str().unwrap()).collect();
        args.extend([
            "--lake",
            other.to_str().unwrap(),
            "--no-time-guard",
            "--threads",
            threads,
        ]);
        let s = replay(&args);
        assert_eq!(summary_counts(&s), [n_in, ok, dropped, failed, rows], "{s}");
        by_threads.push(rows_by_partition(&other));
    }
    assert_eq!(by_threads[0], by_threads[1]);
    assert_eq!(by_threads[0], rows_by_partition(&lake));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_killed_backfill_leaves_nothing_half_visible_and_the_rerun_gives_exact_totals() {
    use std::io::Write;
    let dir = tempdir("killed");
    let a = generate(&dir, "2026-03-01", 3_000, 1);
    let b = generate(&dir, "2026-03-02", 3_000, 1);
    let c = generate(&dir, "2026-03-01", 3_000, 2);
    let lake = dir.join("lake");
    let args = |extra: &[&str]| -> Vec<String> {
        let mut v: Vec<String> = [&a, &b].iter().map(|p| p.display().to_string()).collect();
        v.push("-".into());
        v.extend(["--lake", lake.to_str().unwrap(), "--no-time-guard"].map(String::from));
        v.extend(extra.iter().map(|s| s.to_string()));
        v
    };
    // a and b are committed one by one; then the run reads stdin (the third server's log),
    // which stays open, so it is surely in the middle of that input when it is killed.
    let mut first = runner::command(CLI)
        .arg("replay")
        .args(args(&["--commit-every-mb", "0"]))
        .env_remove("TIME_GUARD")
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = first.stdin.take().unwrap();
    let c_bytes = std::fs::read(&c).unwrap();
    stdin.write_all(&c_bytes[..c_bytes.len() / 2]).unwrap();
    stdin.flush().unwrap();
    let committed = |n: usize| {
        files_under(&lake.join("_replay/commits"))
            .iter()
            .filter(|f| {
                std::fs::read_to_string(f)
                    .map(|t| t.contains("\"published\": true"))
                    .unwrap_or(false)
            })
            .count()
            >= n
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !committed(2) {
        assert!(
            std::time::Instant::now() < deadline,
            "a and b were never committed"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }

    // While it runs, a second run on the same lake is refused.
    let second = runner::command(CLI)
        .arg("replay")
        .args(args(&[]))
        .env_remove("TIME_GUARD")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(second.status.code(), Some(2));
    let err = String::from_utf8_lossy(&second.stderr);
    assert!(
        err.contains("another `accesslog replay` is writing to"),
        "{err}"
    );

    first.kill().unwrap();
    first.wait().unwrap();
    drop(stdin);
    let ab = count_lines(&[&a, &b]);
    let [a_ok, b_ok] = [&a, &b].map(|p| {
        let l = tempdir(&format!(
            "alone-{}",
            p.file_name().unwrap().to_string_lossy()
        ));
        let s = replay(&[
            p.to_str().unwrap(),
            "--lake",
            l.to_str().unwrap(),
            "--no-time-guard",
        ]);
        std::fs::remove_dir_all(&l).unwrap();
        summary_counts(&s)[4]
    });
    // Only what was committed is visible: a's and b's rows, nothing of c.
    assert_eq!(
        parquet_rows(&files_under(&lake.join("logs"))),
        (a_ok + b_ok) as i64
    );
    assert!(ab > a_ok + b_ok, "the inputs hold malformed lines");

    // The same command again, c whole on stdin: a and b are skipped, c replayed once.
    let mut rerun = runner::command(CLI)
        .arg("replay")
        .args(args(&[]))
        .env_remove("TIME_GUARD")
        .stdin(std::fs::File::open(&c).unwrap())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&std::mem::take(&mut rerun.stderr)).into_owned();
    assert!(rerun.status.success(), "{err}");
    assert!(err.contains("skipping 2 input(s)"), "{err}");
    let [n_in, ok, dropped, failed, rows] = summary_counts(&err);
    assert_eq!(n_in, count_lines(&[&c]), "{err}");
    assert_eq!(n_in, ok + dropped + failed);
    assert_eq!(
        parquet_rows(&files_under(&lake.join("logs"))),
        (a_ok + b_ok + rows) as i64,
        "{err}"
    );
    assert!(files_under(&lake.join("_replay/staging")).is_empty());
    std::fs::remove_dir_all(&dir).unwrap();
}
