//! `accesslog replay` as users run it: the real corpus into a lake, the layout it writes, the
//! Parquet it holds, and the accounting (nothing lost, nothing overwritten).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use parquet::file::reader::{FileReader, SerializedFileReader};

const CLI: &str = env!("CARGO_BIN_EXE_accesslog");

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
    let o = Command::new(CLI)
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
        .join("../shared/corpus/elastic-apache-combined-10k.log");
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

    // A second replay adds files beside the first ones and overwrites nothing.
    replay(&[
        corpus.to_str().unwrap(),
        "--lake",
        lake.to_str().unwrap(),
        "--no-time-guard",
    ]);
    let again = files_under(&lake.join("logs"));
    assert_eq!(again.len(), data.len() * 2);
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
