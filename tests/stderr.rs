//! A stderr that cannot be written must never stop the chat: the hub never writes a log line
//! itself. Before, a full pipe blocked the hub in `write` and a closed one panicked it (EPIPE).

mod common;

use std::io::Write;
use std::net::TcpStream;
use std::process::Stdio;

use common::{Binary, Client, DEADLINE};
use serde_json::{Value, json};
use tungstenite::Message;

/// Joins the binary's chat as `name`; returns the client after its welcome.
fn join(server: &Binary, name: &str) -> Client {
    let stream = TcpStream::connect(&server.ws).unwrap();
    stream.set_read_timeout(Some(DEADLINE)).unwrap();
    let url = format!("ws://{}/?name={name}", server.ws);
    let (ws, _) = tungstenite::client(url, stream).expect("handshake");
    let mut client = Client { ws };
    assert_eq!(client.recv_type("welcome")["you"], name);
    client
}

/// Two users chat while one of them sends a thousand frames the server refuses and logs (and
/// clients come and go, which is logged too); every message still arrives. (Each refusal also
/// sends an error frame back, so a thousand stays under the sender's --max-backlog.)
fn chat_survives_a_burst_of_log_lines(server: &Binary) {
    for i in 0..50 {
        drop(join(server, &format!("passerby{i}")));
    }
    let mut alice = join(server, "alice");
    let mut bob = join(server, "bob");
    for _ in 0..1000 {
        alice
            .ws
            .write(Message::text("not json"))
            .expect("queue a frame");
    }
    alice.ws.flush().unwrap();
    for i in 0..20 {
        alice.say(&format!("hello {i}"), &i.to_string());
        let frame: Value = bob.recv_type("message");
        assert_eq!(frame["text"], format!("hello {i}"));
    }
    bob.send_json(json!({"type": "send", "text": "got them all"}));
    let reply = loop {
        let frame = alice.recv_type("message");
        if frame["from"] == "bob" {
            break frame;
        }
    };
    assert_eq!(reply["text"], "got them all");
}

// stderr is a pipe that nobody reads, full from the start (64 KiB, the Linux default capacity).
#[test]
fn a_full_stderr_pipe_stops_nobody() {
    let (unread, mut writer) = std::io::pipe().unwrap();
    writer.write_all(&[b'.'; 64 * 1024]).unwrap();
    let server = Binary::guests(&[], writer);
    chat_survives_a_burst_of_log_lines(&server);
    drop(unread);
}

// stderr is a pipe whose reader has gone, as with `threadchat 2>&1 | head`: writes fail (EPIPE).
#[test]
fn a_closed_stderr_pipe_stops_nobody() {
    let mut server = Binary::guests(&[], Stdio::piped());
    drop(server.child.stderr.take());
    chat_survives_a_burst_of_log_lines(&server);
    assert!(
        server.child.try_wait().unwrap().is_none(),
        "the server is still running"
    );
}
