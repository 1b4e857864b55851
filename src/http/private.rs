//! tiny_http's private socket: a Unix socket in a directory that only the server's own user can
//! enter, so that nothing reaches tiny_http except through the guard.
//!
//! On a TCP port, even one on 127.0.0.1, any local user could talk to tiny_http directly and make
//! it read an endless header or hold hundreds of threads: everything the guard is there to stop.
//! Connecting to a Unix socket needs search permission on its directory, so the socket lives in
//! a directory of its own, made 0700 for this run: `$TMPDIR/threadchat-pages-RANDOM/pages.sock`.
//! `mkdir` refuses a name that exists, so nobody can prepare that directory (or a link in its
//! place) in advance. Why the system's temporary folder and not the data folder: `--in-memory`
//! has no data folder, and a socket's path may not exceed 107 bytes, which a deep one could.
//!
//! tiny_http 0.12 has a quirk to work around: when one of its servers is dropped, it connects to
//! the path it was bound at (to wake its own accept thread) and then deletes that file. The
//! `http` thread rebuilds tiny_http on a clone of the same listening socket (`serve.rs`), and the
//! socket must keep its name meanwhile. So it is bound as `bound.sock` and at once renamed to
//! `pages.sock`, the name the guard connects to: tiny_http's clean-up finds nothing to delete,
//! and [`wake`] does the waking instead.
//!
//! The directory is removed when the server stops ([`PrivateDir`] is dropped). A run killed with
//! SIGKILL leaves its directory behind, so each start sweeps such leftovers ([`sweep`]). To tell
//! them from the directories of servers still running, each server holds a lock on a file in its
//! own (`lock`) for as long as it runs: the kernel releases it when the process dies, however it
//! dies. (Trying to connect to the socket would tell as well, but it would make every running
//! server accept a connection, and so a descriptor, each time another one starts.)

use std::fs::{self, DirBuilder, File, TryLockError};
use std::io;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};

use crate::log;

/// The start of the private directories' names in the system's temporary folder.
const PREFIX: &str = "threadchat-pages-";
/// The name the socket is bound under; tiny_http deletes this one when a server is dropped.
const BOUND: &str = "bound.sock";
/// The name the guard connects to.
const SOCKET: &str = "pages.sock";
/// The file a running server holds locked.
const LOCK: &str = "lock";

/// The private directory of this run, with tiny_http's socket in it; removed when dropped.
#[derive(Debug)]
pub struct PrivateDir {
    dir: PathBuf,
    /// Locked while the server runs (see the module doc); `None` only until it is taken.
    lock: Option<File>,
}

impl PrivateDir {
    /// Makes the directory, binds the socket in it, and sweeps what crashed runs left behind.
    pub fn create() -> io::Result<(PrivateDir, UnixListener)> {
        let mut random = [0u8; 8];
        getrandom::fill(&mut random).map_err(io::Error::other)?;
        let name: String = random.iter().map(|b| format!("{b:02x}")).collect();
        let temp = std::env::temp_dir();
        let dir = temp.join(format!("{PREFIX}{name}"));
        let shown = dir.display().to_string();
        let context = |e: io::Error| {
            let hint = "the page server's private directory (TMPDIR sets where)";
            io::Error::new(e.kind(), format!("{hint} {shown}: {e}"))
        };
        DirBuilder::new()
            .mode(0o700)
            .create(&dir)
            .map_err(context)?;
        let mut private = PrivateDir { dir, lock: None };
        // The mode asked of mkdir is masked by the umask; set it exactly.
        fs::set_permissions(&private.dir, fs::Permissions::from_mode(0o700)).map_err(context)?;
        // Locked before `pages.sock` exists, so that a sweep never takes a starting run for dead.
        let lock = File::create(private.dir.join(LOCK)).map_err(context)?;
        lock.try_lock().map_err(|e| context(e.into()))?;
        private.lock = Some(lock);
        let listener = UnixListener::bind(private.dir.join(BOUND)).map_err(context)?;
        fs::rename(private.dir.join(BOUND), private.socket()).map_err(context)?;
        let uid = fs::metadata(&private.dir).map_err(context)?.uid();
        sweep(&temp, uid);
        Ok((private, listener))
    }

    /// The socket the guard connects to.
    pub fn socket(&self) -> PathBuf {
        self.dir.join(SOCKET)
    }
}

impl Drop for PrivateDir {
    fn drop(&mut self) {
        remove(&self.dir);
    }
}

/// Wakes a tiny_http accept thread that may still wait on the socket at `path`, as tiny_http's
/// own clean-up would have (see the module doc): one connection, closed at once. A thread that is
/// still there takes it and ends; if none is, the next server takes it, reads nothing and
/// forgets it.
pub fn wake(path: &Path) {
    drop(UnixStream::connect(path));
}

/// Removes the private directories of runs that died without cleaning up: those of this user
/// with a socket whose lock nobody holds. A starting run has no `pages.sock` yet: it takes its
/// lock first.
fn sweep(temp: &Path, uid: u32) {
    let Ok(entries) = fs::read_dir(temp) else {
        return;
    };
    for entry in entries.filter_map(Result::ok) {
        let ours = entry.file_name().to_string_lossy().starts_with(PREFIX)
            && entry.metadata().is_ok_and(|m| m.is_dir() && m.uid() == uid);
        let dir = entry.path();
        if ours && dir.join(SOCKET).exists() && !locked(&dir) {
            remove(&dir);
            log!("removed {}, left by a run that did not stop", dir.display());
        }
    }
}

/// Whether a running server holds the lock of the private directory `dir`. One that cannot be
/// opened counts as held: better to leave a directory behind than to remove a live one.
fn locked(dir: &Path) -> bool {
    let Ok(lock) = File::open(dir.join(LOCK)) else {
        return true;
    };
    // Released again when `lock` is dropped.
    matches!(lock.try_lock(), Err(TryLockError::WouldBlock))
}

/// Removes a private directory and what is in it (nothing else: it holds nothing else).
fn remove(dir: &Path) {
    for name in [SOCKET, BOUND, LOCK] {
        let _ = fs::remove_file(dir.join(name));
    }
    let _ = fs::remove_dir(dir);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_directory_is_private_and_goes_with_the_server() {
        let (private, _listener) = PrivateDir::create().unwrap();
        let dir = private.dir.clone();
        let mode = fs::metadata(&dir).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
        assert!(UnixStream::connect(private.socket()).is_ok());
        drop(private);
        assert!(!dir.exists());
    }

    #[test]
    fn a_dead_run_is_swept_and_a_live_one_kept() {
        let (live, _listener) = PrivateDir::create().unwrap();
        let (mut dead, _dead_listener) = PrivateDir::create().unwrap();
        drop(dead.lock.take()); // As SIGKILL would: the lock released...
        let dead_dir = dead.dir.clone();
        std::mem::forget(dead); // ...and nothing cleaned up.
        let uid = fs::metadata(&live.dir).unwrap().uid();
        sweep(&std::env::temp_dir(), uid);
        assert!(!dead_dir.exists(), "the dead run's directory was removed");
        assert!(live.socket().exists(), "the live one was kept");
    }
}
