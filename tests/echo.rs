//! Echo mode (`--echo`): the same connection code, echoing instead of chatting.

mod common;

use common::{open, start};
use tungstenite::{Bytes, Message};

// Text and binary messages come back unchanged, with no welcome and no name needed; a Ping gets
// its Pong with the same payload.
#[test]
fn echoes_text_binary_and_pings() {
    let server = start(|c| c.echo = true);
    let mut client = open(&server, "/", &[]).unwrap();
    client.ws.send(Message::text("héllo")).unwrap();
    assert_eq!(client.next(), Message::text("héllo"));
    client.ws.send(Message::binary(vec![0u8, 255, 7])).unwrap();
    assert_eq!(client.next(), Message::binary(vec![0u8, 255, 7]));
    client
        .ws
        .send(Message::Ping(Bytes::from_static(b"tick")))
        .unwrap();
    match client.ws.read().unwrap() {
        Message::Pong(payload) => assert_eq!(&payload[..], b"tick"),
        other => panic!("expected a pong, got {other:?}"),
    }
}

// A fragmented message is reassembled and echoed whole, up to the size limit.
#[test]
fn echoes_large_messages_up_to_the_limit() {
    let server = start(|c| c.echo = true);
    let mut client = open(&server, "/", &[]).unwrap();
    let big = "x".repeat(64 * 1024);
    client.ws.send(Message::text(big.clone())).unwrap();
    assert_eq!(client.next(), Message::text(big));
}

// A Close from the client is answered with the same code.
#[test]
fn answers_a_close_with_its_code() {
    let server = start(|c| c.echo = true);
    let mut client = open(&server, "/", &[]).unwrap();
    client
        .ws
        .close(Some(tungstenite::protocol::CloseFrame {
            code: 4321.into(),
            reason: "bye".into(),
        }))
        .unwrap();
    assert_eq!(client.closed().map(|f| u16::from(f.code)), Some(4321));
}

// A message sent in fragments, with a Ping between them, is answered with the Pong first and
// then echoed whole (RFC 6455 §5.4: control frames may arrive mid-message).
#[test]
fn reassembles_fragments_around_a_ping() {
    use tungstenite::protocol::frame::Frame;
    use tungstenite::protocol::frame::coding::{Data, OpCode};
    let server = start(|c| c.echo = true);
    let mut client = open(&server, "/", &[]).unwrap();
    let frames = [
        Frame::message(&b"frag"[..], OpCode::Data(Data::Text), false),
        Frame::ping(&b"mid"[..]),
        Frame::message(&b"men"[..], OpCode::Data(Data::Continue), false),
        Frame::message(&b"ted"[..], OpCode::Data(Data::Continue), true),
    ];
    for frame in frames {
        client.ws.send(Message::Frame(frame)).unwrap();
    }
    assert_eq!(
        client.ws.read().unwrap(),
        Message::Pong(Bytes::from_static(b"mid"))
    );
    assert_eq!(client.next(), Message::text("fragmented"));
}
