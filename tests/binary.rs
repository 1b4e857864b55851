//! The `threadchat` binary as a user runs it: flags, printed URLs, and stopping on SIGTERM.

mod common;

use std::net::TcpStream;
use std::process::{Command, Stdio};

use common::{Binary, DEADLINE, wait_until};
use tungstenite::Message;

// SIGTERM closes every connection with 1001 ("going away") and the process exits cleanly.
#[test]
fn sigterm_closes_connections_with_1001_and_exits() {
    let mut server = Binary::guests(&[], Stdio::null());
    assert!(server.http.starts_with("127.0.0.1:") && server.ws.starts_with("127.0.0.1:"));
    let stream = TcpStream::connect(&server.ws).unwrap();
    stream.set_read_timeout(Some(DEADLINE)).unwrap();
    let url = format!("ws://{}/?name=term", server.ws);
    let (mut client, _) = tungstenite::client(url, stream).unwrap();
    assert!(
        matches!(client.read(), Ok(Message::Text(_))),
        "welcome first"
    );
    let killed = Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
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
        status = server.child.try_wait().unwrap();
        status.is_some()
    });
    assert!(status.unwrap().success());
}

// --help documents every flag, and a bad flag is a usage error (exit 2), not a panic.
#[test]
fn help_and_bad_flags() {
    let bin = env!("CARGO_BIN_EXE_threadchat");
    let help = Command::new(bin).arg("--help").output().unwrap();
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
        "--max-http-connections",
        "--request-timeout",
        "--keep-alive",
        "--max-body",
    ] {
        assert!(text.contains(flag), "--help lacks {flag}");
    }
    let bad = Command::new(bin).arg("--bogus").output().unwrap();
    assert_eq!(bad.status.code(), Some(2));
}
