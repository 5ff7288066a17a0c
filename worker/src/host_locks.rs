//! Whether a worker on a SQLite database is alive, asked of the operating system.
//!
//! Every process that shares a SQLite file runs on its host, and SQLite lets one writer in
//! at a time: a process whose long list writes keep the lock can starve another's beats
//! for longer than any sensible threshold, and a worker that merely beats late is not dead.
//! So each live worker holds an exclusive lock on a file named after it, next to the
//! database, and the OS drops that lock the moment the process dies, however it dies. A
//! worker late with its beats is taken for dead only when its lock can be had.

use std::fs::{File, OpenOptions, TryLockError};
use std::io;
use std::path::PathBuf;

use common::database::Pool;

/// The folder of the lock files of the workers of one SQLite database.
#[derive(Debug, Clone)]
pub struct HostLocks {
    dir: PathBuf,
}

impl HostLocks {
    /// The locks of the workers on `pool`'s database: `<database>.workers/` beside a SQLite
    /// file. `None` on PostgreSQL, whose workers may run on other hosts (their beats are
    /// row updates no writer holds up), and on an in-memory SQLite database, which no other
    /// process can share.
    #[must_use]
    pub fn for_pool(pool: &Pool) -> Option<Self> {
        let Pool::Sqlite(pool) = pool else {
            return None;
        };
        let file = pool.connect_options().get_filename().to_path_buf();
        let in_memory = file.as_os_str().is_empty() || file.to_string_lossy().contains(":memory:");
        (!in_memory).then(|| {
            let mut dir = file.into_os_string();
            dir.push(".workers");
            Self::in_dir(dir.into())
        })
    }

    /// The locks kept in `dir`.
    #[must_use]
    pub fn in_dir(dir: PathBuf) -> Self {
        Self { dir }
    }

    /// Takes the lock of `worker`, held until the returned file is dropped (or the process
    /// dies).
    ///
    /// # Errors
    /// The file could not be created, or another process holds its lock.
    pub fn hold(&self, worker: &str) -> io::Result<File> {
        std::fs::create_dir_all(&self.dir)?;
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(self.path(worker))?;
        file.try_lock().map_err(io::Error::from)?;
        Ok(file)
    }

    /// Lets go of `worker`'s lock and removes its file.
    pub fn release(&self, worker: &str, lock: File) {
        drop(lock);
        self.remove(worker);
    }

    /// Whether a live process holds `worker`'s lock. A lock that can be had belongs to a
    /// dead worker: its file goes. Without a file (a worker stopped, or started before lock
    /// files) nobody vouches for the worker.
    #[must_use]
    pub fn is_held(&self, worker: &str) -> bool {
        let file = match OpenOptions::new().write(true).open(self.path(worker)) {
            Ok(file) => file,
            Err(err) if err.kind() == io::ErrorKind::NotFound => return false,
            Err(err) => {
                tracing::warn!(%err, worker, "cannot open the worker's lock file; going by its beats");
                return false;
            }
        };
        match file.try_lock() {
            Ok(()) => {
                self.release(worker, file);
                false
            }
            Err(TryLockError::WouldBlock) => true,
            Err(TryLockError::Error(err)) => {
                tracing::warn!(%err, worker, "cannot test the worker's lock; going by its beats");
                false
            }
        }
    }

    fn remove(&self, worker: &str) {
        match std::fs::remove_file(self.path(worker)) {
            Ok(()) => {}
            Err(err) if err.kind() == io::ErrorKind::NotFound => {}
            Err(err) => tracing::warn!(%err, worker, "cannot remove the worker's lock file"),
        }
    }

    /// `<dir>/<worker>.lock`, the name made safe for any file system.
    fn path(&self, worker: &str) -> PathBuf {
        let name: String = worker
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        self.dir.join(format!("{name}.lock"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_held_lock_vouches_for_its_worker_until_it_is_let_go() {
        let dir = tempfile::tempdir().unwrap();
        let locks = HostLocks::in_dir(dir.path().join("db.sqlite.workers"));
        assert!(
            !locks.is_held("jobs-host-1-abc-0"),
            "no file, nobody vouches"
        );

        let lock = locks.hold("jobs-host-1-abc-0").unwrap();
        assert!(locks.is_held("jobs-host-1-abc-0"));
        assert!(
            locks.is_held("jobs-host-1-abc-0"),
            "asking does not take the lock"
        );
        assert!(
            locks.hold("jobs-host-1-abc-0").is_err(),
            "one holder at a time"
        );

        locks.release("jobs-host-1-abc-0", lock);
        assert!(!locks.is_held("jobs-host-1-abc-0"));
    }

    #[test]
    fn the_lock_of_a_dead_holder_is_free_and_its_file_goes() {
        let dir = tempfile::tempdir().unwrap();
        let locks = HostLocks::in_dir(dir.path().to_path_buf());
        // A process killed outright closes its files without a word: the lock drops, the
        // file stays.
        drop(locks.hold("precompute/lists 0").unwrap());
        let file = dir.path().join("precompute_lists_0.lock");
        assert!(file.exists());

        assert!(!locks.is_held("precompute/lists 0"));
        assert!(!file.exists());
    }
}
