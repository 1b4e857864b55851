//! Hostile and broken input: each gets its error frame or Close code, and nothing else breaks.

mod common;

use common::{Client, start};
use serde_json::json;
use tungstenite::Message;
use tungstenite::protocol::frame::Frame;
use tungstenite::protocol::frame::coding::{Data, OpCode};

// Each kind of bad frame gets its own error code, and the connection stays open after each.
#[test]
fn every_error_code_and_the_connection_survives() {
    let server = start(|c| c.limits.max_text = 16);
    let (mut client, _) = Client::join(&server, "mallory");
    let cases = [
        (Message::text("not json"), "bad_json"),
        (Message::text("[1]"), "bad_json"),
        (Message::text(r#"{"type":"dance"}"#), "unknown_type"),
        (Message::text(r#"{"text":"hi"}"#), "missing_field"),
        (Message::text(r#"{"type":"send"}"#), "missing_field"),
        (Message::text(r#"{"type":"send","text":7}"#), "bad_json"),
        (
            Message::text(r#"{"type":"send","text":"  "}"#),
            "text_empty",
        ),
        (
            Message::text(json!({"type":"send","text":"x".repeat(17)}).to_string()),
            "text_too_long",
        ),
        (
            Message::text(json!({"type":"send","text":"x","id":"i".repeat(65)}).to_string()),
            "id_too_long",
        ),
        (Message::binary(vec![1, 2, 3]), "binary_frame"),
    ];
    for (message, code) in cases {
        client.ws.send(message).unwrap();
        let error = client.recv();
        assert_eq!(error["type"], "error");
        assert_eq!(error["code"], code);
        assert!(error["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    client.say("still here", "ok");
    assert_eq!(client.recv()["text"], "still here");
}

// A refused send names the id it was sent with, so the client knows which message failed.
#[test]
fn a_refused_send_names_its_id() {
    let server = start(|c| c.limits.max_text = 4);
    let (mut client, _) = Client::join(&server, "idler");
    client.say("too long", "c7");
    let error = client.recv();
    assert_eq!(
        (error["code"].as_str(), error["id"].as_str()),
        (Some("text_too_long"), Some("c7"))
    );
}

// A message over the WebSocket size limit closes the connection with 1009.
#[test]
fn oversize_messages_close_with_1009() {
    let server = start(|c| c.limits.max_message = 1024);
    let (mut client, _) = Client::join(&server, "big");
    let _ = client.ws.send(Message::text("x".repeat(2000)));
    let close = client.closed().expect("a Close frame");
    assert_eq!(u16::from(close.code), 1009);
}

// Text that is not UTF-8 closes the connection with 1007.
#[test]
fn invalid_utf8_closes_with_1007() {
    let server = start(|_| {});
    let (mut client, _) = Client::join(&server, "bytes");
    let frame = Frame::message(vec![0xC3, 0x28], OpCode::Data(Data::Text), true);
    client.ws.send(Message::Frame(frame)).unwrap();
    let close = client.closed().expect("a Close frame");
    assert_eq!(u16::from(close.code), 1007);
}

// Deeply nested JSON is refused as bad_json without crashing the reader (serde_json's depth limit).
#[test]
fn deeply_nested_json_is_refused_safely() {
    let server = start(|_| {});
    let (mut client, _) = Client::join(&server, "nest");
    client
        .ws
        .send(Message::text(format!(
            "{}{}",
            "[".repeat(20_000),
            "]".repeat(20_000)
        )))
        .unwrap();
    assert_eq!(client.recv()["code"], "bad_json");
    client.say("alive", "a");
    assert_eq!(client.recv()["text"], "alive");
}

// User text is relayed exactly as sent: no escaping, no trimming (the page renders it as text).
#[test]
fn text_is_relayed_verbatim() {
    let server = start(|_| {});
    let (mut client, _) = Client::join(&server, "poet");
    let text = "  <b>bold</b> & \"quotes\" \u{1F600}\n";
    client.say(text, "v");
    assert_eq!(client.recv()["text"], text);
}
