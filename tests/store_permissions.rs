//! The store stays private to the server's user on a shared machine: its folder 0700 and its file
//! 0600 whether or not they existed before, and a data folder that others may write is refused.

mod common;

use std::fs::{self, Permissions};
use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Stdio};

use common::{Binary, Stderr, TempDir, wait_until};

const STORE: &str = "threadchat.redb";

fn mode(path: &std::path::Path) -> u32 {
    fs::metadata(path).unwrap().permissions().mode() & 0o777
}

fn chmod(path: &std::path::Path, mode: u32) {
    fs::set_permissions(path, Permissions::from_mode(mode)).unwrap();
}

/// The binary with accounts on `data`, its log collected.
fn start(data: TempDir) -> (Binary, Stderr) {
    let mut server = Binary::accounts(data, &[], Stdio::piped());
    let log = Stderr::collect(server.child.stderr.take().unwrap());
    (server, log)
}

// A data folder that already exists (here 0755, as `mkdir` makes it) is made 0700, and the store
// created in it is 0600, not the 0644 a umask of 022 gives; the tightening is logged.
#[test]
fn an_existing_folder_is_made_private_and_the_new_store_file_too() {
    let data = TempDir::new();
    chmod(data.path(), 0o755);
    let (server, log) = start(data);
    assert_eq!(mode(server.data.path()), 0o700);
    assert_eq!(mode(&server.data.path().join(STORE)), 0o600);
    wait_until("the tightening is logged", || {
        log.count("data directory") == 1 && log.count("was mode 755; made it 700") == 1
    });
}

// A store file left readable by others (0644, by an older version or a copy) is made 0600 at
// start, and that is logged; its accounts are still there.
#[test]
fn an_existing_store_file_is_made_private() {
    let (server, _) = start(TempDir::new());
    let http = server.http.parse().unwrap();
    let body = serde_json::json!({"name": "alice", "password": "correct horse"});
    let reply = common::api(http, "POST", "/api/register", Some(&body), &[]);
    assert_eq!(reply.status, 201);
    let data = server.crash();
    chmod(&data.path().join(STORE), 0o644);
    let (server, log) = start(data);
    assert_eq!(mode(&server.data.path().join(STORE)), 0o600);
    wait_until("the tightening is logged", || {
        log.count("store file") == 1 && log.count("was mode 644; made it 600") == 1
    });
    let http = server.http.parse().unwrap();
    let reply = common::api(http, "POST", "/api/login", Some(&body), &[]);
    assert_eq!(reply.status, 200, "the account survived: {reply:?}");
}

// A data folder that the group or others may write is refused at start, with a message that says
// why and what to do; the server does not run, and the folder is left as it was.
#[test]
fn a_folder_others_may_write_is_refused() {
    for shared in [0o777, 0o775, 0o1777] {
        let data = TempDir::new();
        chmod(data.path(), shared);
        let run = Command::new(env!("CARGO_BIN_EXE_threadchat"))
            .args(["--http", "127.0.0.1:0", "--ws", "127.0.0.1:0", "--data"])
            .arg(data.path())
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert!(!run.status.success(), "mode {shared:o}: started anyway");
        assert!(
            stderr.contains("other users may write in it") && stderr.contains("chmod 700"),
            "mode {shared:o}: {stderr}"
        );
        assert_eq!(mode(data.path()), shared & 0o777, "left as it was");
        assert!(!data.path().join(STORE).exists(), "no store made there");
    }
    // A private folder is fine, so the refusal above is about the mode alone.
    let (server, _) = start(TempDir::new());
    assert_eq!(mode(server.data.path()), 0o700);
}
