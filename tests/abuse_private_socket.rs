//! tiny_http is reachable only through the guard (issue 14, attack 10): it listens on a Unix
//! socket in a directory only the server's user may enter, not on a TCP port any local user could
//! connect to; the directory goes when the server stops, and a run killed with SIGKILL leaves
//! nothing that stops the next one. Read from /proc, of the real binary.

mod common;

use std::collections::HashSet;
use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Stdio;

use common::{Binary, TempDir, http_get, wait_until};

/// The socket inodes among the process's open files.
fn socket_inodes(pid: u32) -> HashSet<String> {
    let fds = fs::read_dir(format!("/proc/{pid}/fd")).expect("the server is running");
    fds.filter_map(|fd| fs::read_link(fd.ok()?.path()).ok())
        .filter_map(|target| {
            let target = target.to_string_lossy().into_owned();
            Some(
                target
                    .strip_prefix("socket:[")?
                    .strip_suffix(']')?
                    .to_owned(),
            )
        })
        .collect()
}

/// The ports of the TCP sockets the process listens on (IPv4 and IPv6).
fn listening_tcp_ports(pid: u32) -> HashSet<u16> {
    let ours = socket_inodes(pid);
    let mut ports = HashSet::new();
    for table in ["tcp", "tcp6"] {
        let text = fs::read_to_string(format!("/proc/{pid}/net/{table}")).unwrap_or_default();
        for fields in text
            .lines()
            .skip(1)
            .map(|l| l.split_whitespace().collect::<Vec<_>>())
        {
            // Columns: sl local_address rem_address st ... uid timeout inode; st 0A is LISTEN.
            if fields.len() > 9 && fields[3] == "0A" && ours.contains(fields[9]) {
                let port = fields[1].rsplit(':').next().unwrap();
                ports.insert(u16::from_str_radix(port, 16).unwrap());
            }
        }
    }
    ports
}

/// The paths of the Unix sockets the process listens on.
fn listening_unix_paths(pid: u32) -> Vec<PathBuf> {
    let ours = socket_inodes(pid);
    let text = fs::read_to_string(format!("/proc/{pid}/net/unix")).unwrap();
    text.lines()
        .skip(1)
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        // Columns: Num RefCount Protocol Flags Type St Inode Path; flag 00010000 is listening.
        .filter(|f| f.len() > 7 && f[3] == "00010000" && ours.contains(f[6]))
        .map(|f| PathBuf::from(f[7]))
        .collect()
}

fn port(addr: &str) -> u16 {
    addr.rsplit(':').next().unwrap().parse().unwrap()
}

/// The directory of tiny_http's socket, found as the directory of the one Unix socket the process
/// listens on.
fn private_dir(binary: &Binary) -> PathBuf {
    let paths = listening_unix_paths(binary.child.id());
    assert_eq!(paths.len(), 1, "one Unix socket, tiny_http's: {paths:?}");
    // tiny_http's socket is bound under one name and renamed (see src/http/private.rs); /proc
    // shows the name it was bound under, in the same directory.
    paths[0]
        .parent()
        .expect("a socket in a directory")
        .to_owned()
}

fn page_loads(binary: &Binary) -> bool {
    http_get(&binary.http, "/").is_some_and(|r| r.starts_with("HTTP/1.1 200"))
}

// The server listens on exactly two TCP ports, the page's and the WebSocket's (before, a third:
// tiny_http's private port on 127.0.0.1, which any local user could reach); tiny_http's Unix
// socket is in a directory of the server's user with mode 0700, so no other user can connect.
#[test]
fn tiny_http_listens_on_no_tcp_port() {
    let binary = Binary::guests(&[], Stdio::null());
    assert!(page_loads(&binary));
    let pid = binary.child.id();
    let expected = HashSet::from([port(&binary.http), port(&binary.ws)]);
    assert_eq!(listening_tcp_ports(pid), expected);
    let dir = private_dir(&binary);
    let meta = fs::metadata(&dir).unwrap();
    assert_eq!(
        meta.permissions().mode() & 0o777,
        0o700,
        "{}",
        dir.display()
    );
    let server_uid = fs::metadata(format!("/proc/{pid}")).unwrap().uid();
    assert_eq!(meta.uid(), server_uid, "the server's own directory");
}

/// Stops the binary as a user does (SIGTERM, which it handles) and waits for it to exit.
fn terminate(mut binary: Binary) {
    let status = std::process::Command::new("kill")
        .arg(binary.child.id().to_string())
        .status()
        .expect("kill runs");
    assert!(status.success());
    wait_until("the server exits", || {
        binary.child.try_wait().ok().flatten().is_some()
    });
}

fn exists(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok()
}

// A restart after SIGKILL works: the directory the killed run left is removed by the next start,
// which serves the page; a clean stop removes its own directory.
#[test]
fn a_restart_after_kill_9_works() {
    let first = Binary::accounts(TempDir::new(), &[], Stdio::null());
    assert!(page_loads(&first));
    let left = private_dir(&first);
    // SIGKILL leaves the directory behind (any server that starts next may sweep it, so this test
    // does not look in between).
    let data = first.crash();
    let second = Binary::accounts(data, &[], Stdio::null());
    assert!(page_loads(&second), "the page is served after the crash");
    assert!(!exists(&left), "what the crash left was removed");
    let own = private_dir(&second);
    terminate(second);
    assert!(!exists(&own), "a clean stop removes its directory");
}
