//! One user cannot fill the disk (issue 14, attack 7): what one user's messages add to the disk a
//! day (their text and 128 bytes each) is capped by `--daily-message-bytes`, rooms and private
//! messages together, refused `daily_limit` with when the budget allows the message again;
//! everyone else keeps their own budget.

mod common;

use common::{Client, start, still_chatting};
use serde_json::{Value, json};

const BUDGET: u32 = 10_000;

/// Sends a frame and returns its answer: the sender's copy (`message`) or the `error` for `id`.
fn post(client: &mut Client, mut frame: Value, id: &str) -> Value {
    frame["id"] = json!(id);
    client.send_json(frame);
    loop {
        let next = client.recv();
        if next["id"] == id {
            return next;
        }
    }
}

// With a budget of 10,000 bytes, two texts of 4,000 go through (8,256 bytes with their cost on
// disk), a third is refused daily_limit (naming its id, saying when), a text that fits what is
// left goes through, and then nothing more does, a private message included; bob, meanwhile,
// writes as usual.
#[test]
fn a_daily_budget_of_bytes_caps_one_user() {
    let server = start(|c| c.limits.daily_message_bytes = BUDGET);
    let (mut alice, _) = Client::join(&server, "alice");
    let (mut bob, _) = Client::join(&server, "bob");
    let big = "x".repeat(4_000);
    let send = |text: &str| json!({"type": "send", "text": text});
    assert_eq!(post(&mut alice, send(&big), "a1")["type"], "message");
    assert_eq!(post(&mut alice, send(&big), "a2")["type"], "message");
    let refused = post(&mut alice, send(&big), "a3");
    assert_eq!(
        (refused["type"].as_str(), refused["code"].as_str()),
        (Some("error"), Some("daily_limit")),
        "the third text of 4,000 bytes"
    );
    let why = refused["message"].as_str().unwrap_or("");
    assert!(why.contains("10000 bytes") && why.contains(" in "), "{why}");
    assert_eq!(
        post(&mut alice, send(&"y".repeat(1_600)), "a4")["type"],
        "message"
    );
    assert_eq!(post(&mut alice, send("z"), "a5")["code"], "daily_limit");
    let dm = json!({"type": "dm", "to": "bob", "text": "psst"});
    assert_eq!(post(&mut alice, dm, "a6")["code"], "daily_limit");
    still_chatting(&mut bob, &mut alice, "bob has his own budget");
}
