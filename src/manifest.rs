//! What makes a backfill resumable: staged objects, commits that publish them, and a record of
//! the inputs committed, all under `_replay/` beside the lake's `logs/` and `errors/`.
//!
//! A partition buffer mixes rows of several inputs, so skipping the inputs a killed run
//! finished is not enough: the rows it had buffered or written of the input in progress must
//! not be visible either. So the replay writes every object under
//! `_replay/staging/<run>/<key>`, where no table reads, and commits after each input:
//!
//! 1. every buffer is written out ([`crate::replay::Replay::flush`]);
//! 2. a commit record `_replay/commits/<run>-<n>.json` is written in one PUT, naming the inputs
//!    and the objects (this is the commit point);
//! 3. each object is moved to its key under `logs/` or `errors/`;
//! 4. the record is written again, marked published.
//!
//! A run that dies before 2 leaves only staged objects, which the next run deletes; one that
//! dies in 3 has its moves finished by the next run before anything else (a move is idempotent),
//! so rows appear exactly once. The records are also the manifest: the next run skips an input
//! whose name, size and version (modification time, or the S3 ETag) a record holds, unless
//! told `--force`. A lock (`_replay/lock`) keeps a second run off the lake while one is at it.

use std::collections::HashMap;
use std::io;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::replay::Flushed;
use crate::store::{LakeLock, Store};

const COMMITS: &str = "_replay/commits/";
const STAGING: &str = "_replay/staging/";
const LOCK: &str = "_replay/lock";

/// An input as the manifest knows it: enough to tell it is the same file again.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct InputId {
    /// The absolute path or the `s3://` URL.
    pub name: String,
    pub size: u64,
    /// The modification time in nanoseconds, or the S3 ETag.
    pub version: String,
}

#[derive(Debug, Serialize, Deserialize)]
struct Commit {
    run: String,
    inputs: Vec<InputId>,
    records: u64,
    rows: u64,
    objects: Vec<String>,
    published: bool,
}

/// What opening the manifest found of earlier runs.
#[derive(Debug, Default)]
pub struct Recovered {
    /// Commits whose objects a killed run had not all published, now published.
    pub commits_finished: usize,
    /// Staged objects of killed runs that never committed, now deleted.
    pub staged_removed: usize,
}

/// A run's hold on a lake: the lock, the inputs committed so far, and this run's commits.
pub struct Manifest {
    store: Arc<Store>,
    run: String,
    next: u64,
    committed: HashMap<InputId, u64>,
    _lock: LakeLock,
}

impl Manifest {
    /// Takes the lake's lock, finishes or cleans up what killed runs left, and reads which
    /// inputs are committed. Fails with `WouldBlock` when another run holds the lake.
    pub fn open(store: Arc<Store>) -> io::Result<(Manifest, Recovered)> {
        let run = run_id();
        let lock = store.lock(LOCK, &run)?;
        let mut recovered = Recovered::default();
        let mut committed = HashMap::new();
        for key in store.list(COMMITS)? {
            if !key.ends_with(".json") {
                continue;
            }
            let bytes = store.get(&key)?.unwrap_or_default();
            let mut c: Commit = serde_json::from_slice(&bytes).map_err(|e| {
                io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("{key}: not a replay commit record ({e}); move it away to go on"),
                )
            })?;
            if !c.published {
                publish(&store, &key, &mut c)?;
                recovered.commits_finished += 1;
            }
            for id in c.inputs {
                committed.insert(id, c.rows);
            }
        }
        let staged = store.list(STAGING)?;
        recovered.staged_removed = staged.len();
        if !staged.is_empty() {
            store.delete_prefix(STAGING)?;
        }
        Ok((
            Manifest {
                store,
                run,
                next: 1,
                committed,
                _lock: lock,
            },
            recovered,
        ))
    }

    /// Where this run stages its objects.
    pub fn staging(&self) -> String {
        format!("{STAGING}{}/", self.run)
    }

    pub fn run(&self) -> &str {
        &self.run
    }

    /// Whether an earlier run committed this input.
    pub fn is_committed(&self, id: &InputId) -> bool {
        self.committed.contains_key(id)
    }

    /// Commits the inputs read since the last commit with what they wrote, and publishes it.
    pub fn commit(&mut self, inputs: Vec<InputId>, flushed: &Flushed) -> io::Result<()> {
        let key = format!("{COMMITS}{}-{:06}.json", self.run, self.next);
        self.next += 1;
        let mut c = Commit {
            run: self.run.clone(),
            inputs,
            records: flushed.stats.records_in,
            rows: flushed.stats.rows,
            objects: flushed.objects.clone(),
            published: false,
        };
        write(&self.store, &key, &c)?;
        publish(&self.store, &key, &mut c)?;
        for id in c.inputs {
            self.committed.insert(id, c.rows);
        }
        Ok(())
    }
}

fn write(store: &Store, key: &str, c: &Commit) -> io::Result<()> {
    store.put(
        key,
        serde_json::to_vec_pretty(c).expect("commit records serialize"),
    )
}

/// Moves a commit's objects from its run's staging prefix to their keys, then marks it so.
fn publish(store: &Store, key: &str, c: &mut Commit) -> io::Result<()> {
    let staging = format!("{STAGING}{}/", c.run);
    for object in &c.objects {
        store
            .rename(&format!("{staging}{object}"), object)
            .map_err(|e| {
                io::Error::new(
                    e.kind(),
                    format!("publishing {object} of the commit {key}: {e}"),
                )
            })?;
    }
    c.published = true;
    write(store, key, c)
}

/// A run's name: when it started (so commit records sort by time) and a random part.
fn run_id() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u32(std::process::id());
    let now = chrono::Utc::now();
    h.write_i64(now.timestamp_nanos_opt().unwrap_or(0));
    format!("{}-{:08x}", now.format("%Y%m%dT%H%M%SZ"), h.finish() as u32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::replay::Stats;

    fn lake(tag: &str) -> (std::path::PathBuf, Arc<Store>) {
        let d =
            std::env::temp_dir().join(format!("accesslog-manifest-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        (d.clone(), Arc::new(Store::Local(d)))
    }

    fn id(name: &str) -> InputId {
        InputId {
            name: name.into(),
            size: 1,
            version: "1".into(),
        }
    }

    #[test]
    fn a_commit_interrupted_while_publishing_is_finished_by_the_next_run() {
        let (dir, store) = lake("interrupted");
        let (m, _) = Manifest::open(store.clone()).unwrap();
        let staging = m.staging();
        // The state a run killed in step 3 leaves: the record written, one object moved.
        for k in ["logs/a.parquet", "logs/b.parquet"] {
            store.put(&format!("{staging}{k}"), b"x".to_vec()).unwrap();
        }
        store
            .rename(&format!("{staging}logs/a.parquet"), "logs/a.parquet")
            .unwrap();
        let c = Commit {
            run: m.run().to_string(),
            inputs: vec![id("one")],
            records: 2,
            rows: 2,
            objects: vec!["logs/a.parquet".into(), "logs/b.parquet".into()],
            published: false,
        };
        write(&store, &format!("{COMMITS}{}-000001.json", m.run()), &c).unwrap();
        // And a staged object no commit names: rows of an input in progress.
        store
            .put(&format!("{staging}logs/c.parquet"), b"x".to_vec())
            .unwrap();
        drop(m);

        let (m, rec) = Manifest::open(store.clone()).unwrap();
        assert_eq!((rec.commits_finished, rec.staged_removed), (1, 1));
        assert_eq!(
            store.list("logs/").unwrap(),
            ["logs/a.parquet", "logs/b.parquet"]
        );
        assert!(store.list(STAGING).unwrap().is_empty());
        assert!(m.is_committed(&id("one")));
        assert!(!m.is_committed(&InputId {
            size: 2,
            ..id("one")
        }));
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_second_run_on_the_same_lake_is_refused_while_the_first_holds_it() {
        let (dir, store) = lake("lock");
        let (mut m, _) = Manifest::open(store.clone()).unwrap();
        let err = Manifest::open(store.clone())
            .err()
            .expect("the lake is held");
        assert_eq!(err.kind(), io::ErrorKind::WouldBlock);
        assert!(err.to_string().contains(m.run()), "{err}");
        m.commit(
            vec![id("a")],
            &Flushed {
                objects: vec![],
                stats: Stats::default(),
            },
        )
        .unwrap();
        drop(m);
        let (m, _) = Manifest::open(store).unwrap();
        assert!(m.is_committed(&id("a")));
        std::fs::remove_dir_all(dir).unwrap();
    }
}
