//! Poisoned and oversized texts: a message's text cannot swell into a frame many times its size,
//! and the largest texts allowed, as many as the send burst allows, evict nobody.

mod common;

use common::{Client, start};
use serde_json::json;

/// The send burst and the longest text, as the server's defaults have them.
const BURST: usize = 20;
const MAX_TEXT: usize = 4096;

/// Reads `n` messages from `client` (skipping other frames); their texts' lengths.
fn read_messages(client: &mut Client, n: usize) -> Vec<usize> {
    (0..n)
        .map(|_| client.recv_type("message")["text"].as_str().unwrap().len())
        .collect()
}

// A text of control characters (each spelled in six bytes of JSON) is refused with
// `text_invalid`, in a room and in private; tab and newline are fine.
#[test]
fn control_characters_are_refused() {
    let server = start(|_| {});
    let (mut mallory, _) = Client::join(&server, "mallory");
    let (mut bob, _) = Client::join(&server, "bob");
    for (i, text) in [
        "\u{1}".repeat(MAX_TEXT),
        "a\rb".into(),
        "a\u{85}b".into(),
        "\u{7f}".into(),
    ]
    .iter()
    .enumerate()
    {
        let id = format!("p{i}");
        let error = mallory.ask(json!({"type": "send", "text": text, "id": id}), "error");
        assert_eq!(
            (&error["code"], &error["id"]),
            (&json!("text_invalid"), &json!(id))
        );
    }
    let dm = json!({"type": "dm", "to": "bob", "text": "\u{1b}[2J", "id": "d1"});
    assert_eq!(mallory.ask(dm, "error")["code"], "text_invalid");
    mallory.say("a\tb\nc", "fine");
    let message = bob.recv_type("message");
    assert_eq!(message["text"], "a\tb\nc", "tab and newline go through");
}

// A burst of poisoned texts (what evicted every online member: 20 × 24.7 KB frames) is refused,
// and a burst of the largest legal ones (4,096 quotes, each spelled in two bytes: about 8.3 KB a
// frame, 166 KB for the burst) fits in the backlog of members who read nothing meanwhile. They
// read it all afterwards and keep chatting.
#[test]
fn a_burst_of_the_largest_texts_evicts_nobody() {
    let server = start(|_| {});
    let (mut mallory, _) = Client::join(&server, "mallory");
    let (mut alice, _) = Client::join(&server, "alice");
    let (mut bob, _) = Client::join(&server, "bob");
    let poison = "\u{1}".repeat(MAX_TEXT);
    for i in 0..BURST {
        let id = format!("p{i}");
        mallory.send_json(json!({"type": "send", "text": poison, "id": id}));
    }
    for _ in 0..BURST {
        assert_eq!(mallory.recv_type("error")["code"], "text_invalid");
    }
    let largest = "\"".repeat(MAX_TEXT);
    for i in 0..BURST {
        mallory.say(&largest, &format!("q{i}"));
    }
    assert_eq!(read_messages(&mut mallory, BURST), vec![MAX_TEXT; BURST]);
    // Alice and Bob read only now: everything waited in their backlogs.
    assert_eq!(read_messages(&mut alice, BURST), vec![MAX_TEXT; BURST]);
    assert_eq!(read_messages(&mut bob, BURST), vec![MAX_TEXT; BURST]);
    alice.say("still here", "a1");
    assert_eq!(bob.recv_type("message")["text"], "still here");
    assert_eq!(alice.recv_type("message")["id"], "a1");
    bob.say("me too", "b1");
    assert_eq!(alice.recv_type("message")["text"], "me too");
}
