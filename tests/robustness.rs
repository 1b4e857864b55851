//! What one misbehaving client must never do to the others: stall them, outlive its welcome, or
//! break the framing of anyone's stream.

mod common;

use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use common::{Client, open, start, unpaced};
use serde_json::json;
use socket2::{Domain, Socket, Type};
use tungstenite::{Bytes, Message};

/// A client whose kernel receive buffer is tiny, so that not reading fills it at once.
fn stubborn_client(addr: SocketAddr, name: &str) -> tungstenite::WebSocket<TcpStream> {
    let socket = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
    socket.set_recv_buffer_size(2048).unwrap();
    socket.connect(&addr.into()).unwrap();
    let stream: TcpStream = socket.into();
    let (ws, _) = tungstenite::client(format!("ws://{addr}/?name={name}"), stream).unwrap();
    ws
}

// A client that never reads is evicted once its backlog passes the limit, while a reading client
// keeps receiving every message in order.
#[test]
fn a_client_that_never_reads_is_evicted_and_nobody_waits() {
    let server = start(|c| {
        c.limits.max_backlog = 16 * 1024;
        unpaced(c);
    });
    let (mut reader, _) = Client::join(&server, "reader");
    let _stuck = stubborn_client(server.ws_addr(), "stuck");
    assert_eq!(reader.recv_presence(true)["user"], "stuck");
    let (mut sender, _) = Client::join(&server, "sender");
    reader.recv_presence(true);
    let text = "y".repeat(1000);
    let mut evicted = false;
    for i in 0..300 {
        sender.say(&text, &i.to_string());
        assert_eq!(sender.recv_type("message")["id"], i.to_string());
        loop {
            let frame = reader.recv();
            match frame["type"].as_str() {
                Some("message") => {
                    assert_eq!(frame["from"], "sender");
                    break;
                }
                Some("presence") if frame["user"] == "stuck" => evicted = true,
                _ => panic!("unexpected frame {frame}"),
            }
        }
    }
    assert!(
        evicted,
        "300 KB sent: the stuck client must have passed its 16 KiB backlog"
    );
}

// A peer that vanishes without a Close (its socket just closes) is announced as left.
#[test]
fn a_vanished_peer_is_noticed() {
    let server = start(|_| {});
    let (mut alice, _) = Client::join(&server, "alice");
    let (ghost, _) = Client::join(&server, "ghost");
    alice.recv_presence(true);
    drop(ghost);
    assert_eq!(alice.recv_presence(false)["user"], "ghost");
}

// A silent peer that answers no Ping is dropped at the idle deadline; a quiet peer that answers
// (tungstenite replies while reading) is pinged and stays.
#[test]
fn heartbeat_drops_the_dead_and_keeps_the_quiet() {
    let server = start(|c| {
        c.limits.ping_interval = Duration::from_millis(200);
        c.limits.idle_timeout = Duration::from_millis(600);
    });
    let (mut quiet, _) = Client::join(&server, "quiet");
    let _dead = stubborn_client(server.ws_addr(), "dead");
    assert_eq!(quiet.recv_presence(true)["user"], "dead");
    assert_eq!(quiet.recv_presence(false)["user"], "dead");
    quiet.say("still here", "q");
    assert_eq!(quiet.recv_type("message")["id"], "q");
}

// Pings sent between messages, while another client floods the chat, get their Pongs in order,
// and every frame stays intact: the hub is the one writer of each socket.
#[test]
fn pings_in_flight_never_break_the_stream() {
    let server = start(unpaced);
    let (mut pinger, _) = Client::join(&server, "pinger");
    let (mut flooder, _) = Client::join(&server, "flooder");
    pinger.recv_presence(true);
    for i in 0..200 {
        flooder.say(&format!("flood {i}"), "");
        pinger
            .ws
            .send(Message::Ping(Bytes::from(format!("p{i}"))))
            .unwrap();
        pinger.send_json(json!({"type": "send", "text": format!("mine {i}")}));
    }
    let (mut pongs, mut messages) = (0, 0);
    while pongs < 200 || messages < 400 {
        match pinger.ws.read().expect("a well-formed frame") {
            Message::Pong(payload) => {
                assert_eq!(payload, format!("p{pongs}").as_bytes());
                pongs += 1;
            }
            Message::Text(text) => {
                let frame: serde_json::Value = serde_json::from_str(&text).unwrap();
                assert_eq!(frame["type"], "message");
                messages += 1;
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}

// Past --max-connections the upgrade is refused with 503.
#[test]
fn connection_limit_answers_503() {
    let server = start(|c| c.limits.max_connections = 2);
    let (_a, _) = Client::join(&server, "a");
    let (_b, _) = Client::join(&server, "b");
    match open(&server, "/?name=c", &[]) {
        Err(tungstenite::Error::Http(response)) => assert_eq!(response.status(), 503),
        other => panic!("expected 503, got {:?}", other.map(|_| "a connection")),
    }
}

// A foreign page's origin and the `null` origin are refused with 403; the page's own is allowed.
#[test]
fn foreign_origins_are_refused() {
    let server = start(|_| {});
    for origin in ["http://evil.example", "null", "http://127.0.0.1:1"] {
        match open(&server, "/?name=x", &[("Origin", origin)]) {
            Err(tungstenite::Error::Http(response)) => {
                assert_eq!(response.status(), 403, "{origin}")
            }
            _ => panic!("{origin} was let in"),
        }
    }
    let own = format!("http://127.0.0.1:{}", server.http_addr().port());
    let mut client = open(&server, "/?name=x", &[("Origin", own.as_str())]).unwrap();
    assert_eq!(client.recv()["type"], "welcome");
}

// A client that connects and never finishes its handshake holds up nobody else.
#[test]
fn a_silent_handshake_blocks_no_one() {
    let server = start(|_| {});
    let _silent: Vec<TcpStream> = (0..5)
        .map(|_| TcpStream::connect(server.ws_addr()).unwrap())
        .collect();
    let (_, welcome) = Client::join(&server, "prompt");
    assert_eq!(welcome["you"], "prompt");
}

// An upgrade request with endless headers is cut off (tungstenite's 64 KiB cap) and logged, while
// others keep joining.
#[test]
fn an_endless_handshake_is_cut_off() {
    use std::io::{Read, Write};
    let server = start(|_| {});
    let mut hostile = TcpStream::connect(server.ws_addr()).unwrap();
    hostile.set_read_timeout(Some(common::DEADLINE)).unwrap();
    let mut request = String::from("GET /?name=h HTTP/1.1\r\nHost: x\r\n");
    while request.len() < 100_000 {
        request
            .push_str("X-Padding: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n");
    }
    // The server may close mid-send; what matters is that it closes.
    let _ = hostile.write_all(request.as_bytes());
    let mut rest = Vec::new();
    if let Err(e) = hostile.read_to_end(&mut rest) {
        // A reset is a close too; a timeout means the server kept the connection open.
        let timed_out = matches!(
            e.kind(),
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
        );
        assert!(!timed_out, "the server never closed the connection");
    }
    assert!(!String::from_utf8_lossy(&rest).contains("101 Switching"));
    let (_, welcome) = Client::join(&server, "after");
    assert_eq!(welcome["you"], "after");
}

// Stopping the server closes every connection with 1001, so pages reconnect at once.
#[test]
fn stopping_closes_with_1001() {
    let server = start(|_| {});
    let (mut client, _) = Client::join(&server, "leaver");
    server.stop();
    assert_eq!(client.closed().map(|f| u16::from(f.code)), Some(1001));
}
