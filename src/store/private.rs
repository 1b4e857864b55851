//! Keeping the store private to the server's user: its folder mode 0700, its file 0600.
//!
//! The store holds every password hash and private message, and a lab machine has other users.
//! So the data folder is made (or tightened to) 0700 and the store file created (or tightened to)
//! 0600, whatever the umask and whether they existed before; a tightening is logged. A folder
//! that others can *write* is refused instead: anyone could have put a file of their own there
//! (or a link to one) in the store's place, so its contents cannot be trusted to be the server's.

use std::fs::{self, DirBuilder, File, OpenOptions, Permissions};
use std::io;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

use super::StoreError;
use crate::log;

/// The data folder: only its owner may list or enter it.
const DIR_MODE: u32 = 0o700;

/// The store file: only its owner may read or write it.
const FILE_MODE: u32 = 0o600;

/// The permission bits that let the group or others write.
const SHARED_WRITE: u32 = 0o022;

/// Makes `dir` (and any missing parent) with mode 0700, or tightens an existing one; refuses a
/// folder that the group or others may write.
pub fn folder(dir: &Path) -> Result<(), StoreError> {
    let fail = |what: &str, e: io::Error| StoreError::new(format!("{what} {}", dir.display()), e);
    DirBuilder::new()
        .recursive(true)
        .mode(DIR_MODE)
        .create(dir)
        .map_err(|e| fail("cannot create the data directory", e))?;
    let mode = fs::metadata(dir)
        .map_err(|e| fail("cannot read the data directory", e))?
        .permissions()
        .mode()
        & 0o777;
    if mode & SHARED_WRITE != 0 {
        let why = format!(
            "other users may write in it (mode {mode:03o}), so what it holds may not be the \
             server's; make it private (chmod 700 {}) after checking its files, or choose \
             another --data",
            dir.display()
        );
        return Err(StoreError::new(
            format!("refusing the data directory {}", dir.display()),
            why,
        ));
    }
    tighten(dir, mode, DIR_MODE, "data directory")
        .map_err(|e| fail("cannot make private the data directory", e))
}

/// Opens (or creates) the store file at `path` for redb, mode 0600; an existing file readable by
/// others is tightened first.
pub fn file(path: &Path) -> io::Result<File> {
    if let Ok(meta) = fs::metadata(path) {
        tighten(
            path,
            meta.permissions().mode() & 0o777,
            FILE_MODE,
            "store file",
        )?;
    }
    // What redb's own `create` does, with the mode of a new file.
    OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(FILE_MODE)
        .open(path)
}

/// Sets `path`'s mode to `private` if `mode` allows anything more, and says so.
fn tighten(path: &Path, mode: u32, private: u32, what: &str) -> io::Result<()> {
    if mode & !private == 0 {
        return Ok(());
    }
    fs::set_permissions(path, Permissions::from_mode(private))?;
    log!(
        "store: the {what} {} was mode {mode:03o}; made it {private:03o}, private to this user",
        path.display()
    );
    Ok(())
}
