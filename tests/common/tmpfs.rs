//! A small filesystem of a test's own, to fill on purpose: a tmpfs mounted on a temporary
//! directory (as root, which CI is), unmounted when dropped, even when the test fails.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::TempDir;

/// The name of the file that fills a [`Tmpfs`].
const FILLER: &str = "filler";

/// A mounted tmpfs; unmounted (lazily, so a process still inside cannot keep it) when dropped.
pub struct Tmpfs {
    path: PathBuf,
}

impl Tmpfs {
    /// A tmpfs of `mib` MiB, mode 0700, on a new temporary directory: the guard, and the directory
    /// for a server's `--data` (declare the server after the guard, so that it ends first). `None`,
    /// with the reason printed, where mounting is not allowed (not root): the caller skips.
    pub fn mount(mib: u64) -> Option<(Tmpfs, TempDir)> {
        let dir = TempDir::new();
        let options = format!("size={mib}m,mode=0700");
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &options, "tmpfs"])
            .arg(dir.path())
            .output();
        match mounted {
            Ok(out) if out.status.success() => {
                let path = dir.path().to_owned();
                Some((Tmpfs { path }, dir))
            }
            Ok(out) => {
                let why = String::from_utf8_lossy(&out.stderr);
                println!(
                    "SKIPPED: cannot mount a tmpfs (root is needed): {}",
                    why.trim()
                );
                None
            }
            Err(e) => {
                println!("SKIPPED: cannot run mount: {e}");
                None
            }
        }
    }

    /// Bytes free for an unprivileged writer.
    pub fn free(&self) -> u64 {
        let fs = rustix::fs::statvfs(&self.path).expect("statvfs of the tmpfs");
        fs.f_bavail * fs.f_frsize
    }

    /// Writes a filler file until at most `leave` bytes are free (0: until the disk is full).
    pub fn fill(&self, leave: u64) {
        let mut filler = File::create(self.path.join(FILLER)).expect("a filler file");
        let chunk = vec![b'x'; 64 * 1024];
        // Bounded by the size of the filesystem: each round writes, or stops.
        while self.free() > leave {
            let room = (self.free() - leave).min(chunk.len() as u64) as usize;
            if filler.write_all(&chunk[..room]).is_err() {
                break;
            }
        }
        let _ = filler.sync_all();
    }

    /// Removes the filler: the space comes back.
    pub fn empty(&self) {
        fs::remove_file(self.path.join(FILLER)).expect("the filler is there");
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.path).status();
        let _ = fs::remove_dir(&self.path);
    }
}
