//! Where a lake lives: a local directory, or an S3 bucket and prefix (with the `s3` feature).
//!
//! The replay needs few operations of it: put a whole object, read a small one, list a prefix,
//! move an object to its published key, delete. Keys are `/`-separated and relative to the
//! lake's root, exactly the S3 keys under the bucket's prefix, so the code above this module
//! never builds a path itself and a local lake has the layout of the bucket it stands in for.

use std::io;
use std::path::{Path, PathBuf};

/// A lake's root.
pub enum Store {
    Local(PathBuf),
    #[cfg(feature = "s3")]
    S3(crate::s3::S3Store),
}

impl Store {
    /// `s3://bucket/prefix` (with the `s3` feature) or a local directory.
    pub fn open(location: &str) -> io::Result<Store> {
        if location.starts_with("s3://") {
            #[cfg(feature = "s3")]
            return crate::s3::S3Store::open(location).map(Store::S3);
            #[cfg(not(feature = "s3"))]
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                format!("{location}: this build has no S3 support (build with the `s3` feature)"),
            ));
        }
        Ok(Store::Local(PathBuf::from(location)))
    }

    /// The lake as the user named it, for messages.
    pub fn describe(&self) -> String {
        match self {
            Store::Local(dir) => dir.display().to_string(),
            #[cfg(feature = "s3")]
            Store::S3(s) => s.describe(),
        }
    }

    fn local(dir: &Path, key: &str) -> PathBuf {
        dir.join(key)
    }

    /// Writes a whole object. Locally it appears at once (written beside, then renamed), as an
    /// S3 PUT does.
    pub fn put(&self, key: &str, data: Vec<u8>) -> io::Result<()> {
        match self {
            Store::Local(dir) => {
                let path = Self::local(dir, key);
                if let Some(parent) = path.parent() {
                    std::fs::create_dir_all(parent)?;
                }
                let mut tmp = path.clone().into_os_string();
                tmp.push(format!(".{}.tmp", std::process::id()));
                std::fs::write(&tmp, &data)?;
                std::fs::rename(&tmp, &path)
            }
            #[cfg(feature = "s3")]
            Store::S3(s) => s.put(key, data),
        }
    }

    /// A whole (small) object, or `None` when there is none.
    pub fn get(&self, key: &str) -> io::Result<Option<Vec<u8>>> {
        match self {
            Store::Local(dir) => match std::fs::read(Self::local(dir, key)) {
                Ok(b) => Ok(Some(b)),
                Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(e),
            },
            #[cfg(feature = "s3")]
            Store::S3(s) => s.get(key),
        }
    }

    /// Every key under `prefix` (which ends in `/`), sorted.
    pub fn list(&self, prefix: &str) -> io::Result<Vec<String>> {
        match self {
            Store::Local(dir) => {
                let mut out = Vec::new();
                walk(dir, &Self::local(dir, prefix), &mut out)?;
                out.sort();
                Ok(out)
            }
            #[cfg(feature = "s3")]
            Store::S3(s) => s.list(prefix),
        }
    }

    /// Moves an object to another key: a rename locally, a copy and a delete on S3. Moving an
    /// object that is already gone is not an error when the target is there (a move repeated
    /// after an interruption).
    pub fn rename(&self, from: &str, to: &str) -> io::Result<()> {
        match self {
            Store::Local(dir) => {
                let (src, dst) = (Self::local(dir, from), Self::local(dir, to));
                if let Some(parent) = dst.parent() {
                    std::fs::create_dir_all(parent)?;
                }
                match std::fs::rename(&src, &dst) {
                    Err(e) if e.kind() == io::ErrorKind::NotFound && dst.exists() => Ok(()),
                    r => r,
                }
            }
            #[cfg(feature = "s3")]
            Store::S3(s) => s.rename(from, to),
        }
    }

    /// Deletes an object; one that is not there is not an error.
    pub fn delete(&self, key: &str) -> io::Result<()> {
        match self {
            Store::Local(dir) => match std::fs::remove_file(Self::local(dir, key)) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
                _ => Ok(()),
            },
            #[cfg(feature = "s3")]
            Store::S3(s) => s.delete(key),
        }
    }

    /// Deletes every object under `prefix`, and locally the directories left empty.
    pub fn delete_prefix(&self, prefix: &str) -> io::Result<()> {
        match self {
            Store::Local(dir) => match std::fs::remove_dir_all(Self::local(dir, prefix)) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
                _ => Ok(()),
            },
            #[cfg(feature = "s3")]
            Store::S3(_) => {
                for key in self.list(prefix)? {
                    self.delete(&key)?;
                }
                Ok(())
            }
        }
    }
}

/// A lake held by one run; dropping it (or the process ending, however it ends) lets go.
pub enum LakeLock {
    Local(#[allow(dead_code)] std::fs::File),
    #[cfg(feature = "s3")]
    S3(#[allow(dead_code)] crate::s3::S3Lock),
}

impl Store {
    /// Takes the lake's lock for the run `holder`. When another run holds it, fails with
    /// `WouldBlock` and a message naming that run.
    ///
    /// Locally an advisory `flock` on the key's file: the kernel lets go when the process ends,
    /// killed or not, so no stale lock outlives a run.
    pub fn lock(&self, key: &str, holder: &str) -> io::Result<LakeLock> {
        match self {
            Store::Local(dir) => {
                use std::io::{Read, Seek, Write};
                use std::os::fd::AsRawFd;
                let path = Self::local(dir, key);
                if let Some(parent) = path.parent() {
                    std::fs::create_dir_all(parent)?;
                }
                let mut f = std::fs::OpenOptions::new()
                    .read(true)
                    .write(true)
                    .create(true)
                    .truncate(false)
                    .open(&path)?;
                // SAFETY: flock takes a descriptor this function owns and touches no memory.
                if unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } != 0 {
                    let e = io::Error::last_os_error();
                    if e.kind() != io::ErrorKind::WouldBlock {
                        return Err(e);
                    }
                    let mut other = String::new();
                    let _ = f.read_to_string(&mut other);
                    return Err(held(&self.describe(), other.trim()));
                }
                f.set_len(0)?;
                f.rewind()?;
                writeln!(f, "{holder} pid {}", std::process::id())?;
                Ok(LakeLock::Local(f))
            }
            #[cfg(feature = "s3")]
            Store::S3(s) => s.lock(key, holder).map(LakeLock::S3),
        }
    }
}

/// The error for a lake another run holds.
pub fn held(lake: &str, holder: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::WouldBlock,
        format!(
            "another `accesslog replay` is writing to {lake} (run {holder}); \
             run again when it has finished"
        ),
    )
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) -> io::Result<()> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    for e in entries {
        let path = e?.path();
        if path.is_dir() {
            walk(root, &path, out)?;
        } else if let Ok(rel) = path.strip_prefix(root) {
            let key: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            out.push(key.join("/"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_local_lake_lists_moves_and_deletes_by_key() {
        let dir = std::env::temp_dir().join(format!("accesslog-store-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let s = Store::Local(dir.clone());
        s.put("a/b/one", b"1".to_vec()).unwrap();
        s.put("a/two", b"2".to_vec()).unwrap();
        assert_eq!(s.list("a/").unwrap(), ["a/b/one", "a/two"]);
        s.rename("a/b/one", "c/one").unwrap();
        // Repeated after an interruption: the object already moved.
        s.rename("a/b/one", "c/one").unwrap();
        assert_eq!(s.get("c/one").unwrap().as_deref(), Some(&b"1"[..]));
        assert_eq!(s.get("a/b/one").unwrap(), None);
        assert!(s.rename("a/none", "c/none").is_err());
        s.delete_prefix("a/").unwrap();
        assert_eq!(s.list("a/").unwrap(), Vec::<String>::new());
        s.delete("c/one").unwrap();
        s.delete("c/one").unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
