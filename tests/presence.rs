//! Presence through real WebSocket clients: counted per user however many tabs, and sent to
//! those who share a room or a private conversation.

mod common;

use common::{Client, TestServer, start};
use serde_json::{Value, json};

/// alice, and hermit who has seen her presence and then left `general`: they share no room.
fn alice_and_a_hermit(server: &TestServer) -> (Client, Client) {
    let (mut alice, _) = Client::join(server, "alice");
    let (mut hermit, _) = Client::join(server, "hermit");
    assert_eq!(alice.recv_presence(true)["user"], "hermit");
    hermit.ask(json!({"type": "leave", "room": "general"}), "left");
    (alice, hermit)
}

// Presence is per user (several tabs count once) and goes to those who share a room.
#[test]
fn presence_counts_a_user_once_and_reaches_roommates_only() {
    let server = start(|_| {});
    let (mut alice, mut hermit) = alice_and_a_hermit(&server);
    let (bob, _) = Client::join(&server, "bob");
    assert_eq!(alice.recv_presence(true)["user"], "bob");
    drop(bob);
    assert_eq!(alice.recv_presence(false)["user"], "bob");
    hermit.send_json(json!({"type": "rooms"}));
    let next = hermit.recv();
    assert_eq!(
        next["type"], "rooms",
        "the hermit shares no room with bob: {next}"
    );
}

/// The next `message` and `presence` frames, in whichever order they come.
fn message_and_presence(client: &mut Client) -> [Value; 2] {
    let (mut message, mut presence) = (None, None);
    for _ in 0..20 {
        let frame = client.recv();
        match frame["type"].as_str() {
            Some("message") => message = Some(frame),
            Some("presence") => presence = Some(frame),
            _ => {}
        }
        if let (Some(m), Some(p)) = (&message, &presence) {
            return [m.clone(), p.clone()];
        }
    }
    panic!("no message and presence among 20 frames");
}

// Two people with a private conversation follow each other's presence even when they share no
// room: each is told the other's when the conversation begins, finds the other in its welcome, and
// hears of every coming and going.
#[test]
fn presence_reaches_private_partners_too() {
    let server = start(|_| {});
    let (mut alice, mut hermit) = alice_and_a_hermit(&server);
    hermit.send_json(json!({"type": "dm", "to": "alice", "text": "hi", "id": "h1"}));
    let [message, presence] = message_and_presence(&mut hermit);
    assert_eq!(message["id"], "h1");
    assert_eq!(
        (&presence["user"], &presence["online"]),
        (&json!("alice"), &json!(true))
    );
    let [message, presence] = message_and_presence(&mut alice);
    assert_eq!(message["from"], "hermit");
    assert_eq!(
        (&presence["user"], &presence["online"]),
        (&json!("hermit"), &json!(true))
    );
    drop(hermit);
    assert_eq!(alice.recv_presence(false)["user"], "hermit");
    let (_hermit, welcome) = Client::join(&server, "hermit");
    assert_eq!(welcome["rooms"], json!([]));
    assert_eq!(welcome["users"], json!(["alice", "hermit"]));
    assert_eq!(alice.recv_presence(true)["user"], "hermit");
}
