//! The `threadchat` binary as a user runs it: flags, printed URLs, and stopping on SIGTERM.

mod common;

use std::net::TcpStream;
use std::process::{Child, Command, Stdio};

use common::{BINARY_ARGS, DEADLINE, printed_urls, wait_until};
use tungstenite::Message;

const BIN: &str = env!("CARGO_BIN_EXE_threadchat");

/// Starts the binary on ephemeral ports and reads the two URLs it prints.
fn launch() -> (Child, String, String) {
    let mut child = Command::new(BIN)
        .args(BINARY_ARGS)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary starts");
    let (page, ws) = printed_urls(&mut child);
    (child, page, ws)
}

// SIGTERM closes every connection with 1001 ("going away") and the process exits cleanly.
#[test]
fn sigterm_closes_connections_with_1001_and_exits() {
    let (mut child, page, ws) = launch();
    assert!(page.starts_with("http://127.0.0.1:") && ws.starts_with("ws://127.0.0.1:"));
    let addr = ws.trim_start_matches("ws://").trim_end_matches('/');
    let stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(DEADLINE)).unwrap();
    let (mut client, _) = tungstenite::client(format!("{ws}?name=term"), stream).unwrap();
    assert!(
        matches!(client.read(), Ok(Message::Text(_))),
        "welcome first"
    );
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let close = loop {
        match client.read() {
            Ok(Message::Close(frame)) => break frame,
            Ok(_) => continue,
            Err(e) => panic!("no Close frame: {e}"),
        }
    };
    assert_eq!(close.map(|f| u16::from(f.code)), Some(1001));
    let mut status = None;
    wait_until("the process exits", || {
        status = child.try_wait().unwrap();
        status.is_some()
    });
    assert!(status.unwrap().success());
}

// --help documents every flag, and a bad flag is a usage error (exit 2), not a panic.
#[test]
fn help_and_bad_flags() {
    let help = Command::new(BIN).arg("--help").output().unwrap();
    assert!(help.status.success());
    let text = String::from_utf8(help.stdout).unwrap();
    for flag in [
        "--http",
        "--ws",
        "--echo",
        "--max-text",
        "--max-backlog",
        "--allow-origin",
        "--idle-timeout",
    ] {
        assert!(text.contains(flag), "--help lacks {flag}");
    }
    let bad = Command::new(BIN).arg("--bogus").output().unwrap();
    assert_eq!(bad.status.code(), Some(2));
}
