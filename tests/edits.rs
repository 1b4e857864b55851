//! Edit and delete: a change is an event with its own `seq`, pointing at the message it changes
//! (`target`). It reaches the message's audience and nobody else, the asking connection with its
//! `id`; a retried `id` is answered with the stored event; history shows messages as they are now
//! and a catch-up brings exactly the changes missed; a deletion leaves no version of the text in
//! the store's file; retention takes changes with their messages.

mod common;

use std::time::Duration;

use common::{
    Client, TestServer, answer_after, delete, edit, open, post_to, register, replayed,
    start_accounts, start_in, unpaced,
};
use serde_json::{Value, json};

const PASSWORD: &str = "correct horse";

/// `create` or `join` `room`, once the server says so (others' `joined` in general may come first).
fn enter(client: &mut Client, how: &str, room: &str) {
    client.send_json(json!({"type": how, "room": room}));
    while client.recv_type("joined")["room"] != room {}
}

/// Skips frames until one of `kind` about `target` arrives.
fn recv_change(client: &mut Client, kind: &str, target: u64) -> Value {
    loop {
        let frame = client.recv_type(kind);
        if frame["target"] == target {
            return frame;
        }
    }
}

/// The newest page of `room`'s history.
fn history(client: &mut Client, room: &str) -> Vec<Value> {
    let page = client.ask(json!({"type": "history", "room": room}), "history");
    page["messages"].as_array().expect("messages").clone()
}

/// A server with accounts, unpaced, and the given edit window.
fn server_with_window(window: Duration) -> TestServer {
    start_accounts(|config| {
        unpaced(config);
        config.limits.edit_window = window;
    })
}

/// `name`'s account and a connection, after its welcome.
fn person(server: &TestServer, name: &str) -> (String, Client) {
    let token = register(server, name, PASSWORD);
    let (client, _) = Client::join_as(server, &token);
    (token, client)
}

// An edit and a deletion reach every tab of the room's members, the asking tab with its id and
// the others without, as events with seqs of their own; someone outside the room hears nothing.
#[test]
fn changes_reach_the_audience_of_the_message_and_nobody_else() {
    let server = server_with_window(Duration::from_secs(600));
    let (alice_token, mut alice) = person(&server, "alice");
    let (_, mut bob) = person(&server, "bob");
    let (_, mut carol) = person(&server, "carol");
    let (mut alice_phone, _) = Client::join_as(&server, &alice_token);
    enter(&mut alice, "create", "math");
    enter(&mut bob, "join", "math");

    let seq = post_to(&mut alice, "math", "the answer is 41", "m1");
    let edited = edit(&mut alice, seq, "the answer is 42", "e1");
    assert_eq!(edited["type"], "edited", "{edited}");
    let event_seq = edited["seq"].as_u64().expect("a seq of its own");
    assert!(event_seq > seq);
    let expected = json!({"type": "edited", "seq": event_seq, "target": seq, "room": "math",
        "from": "alice", "by": "alice", "text": "the answer is 42", "ts": edited["ts"], "id": "e1"});
    assert_eq!(edited, expected);
    let mut without_id = expected.clone();
    without_id.as_object_mut().expect("an object").remove("id");
    assert_eq!(recv_change(&mut bob, "edited", seq), without_id);
    assert_eq!(recv_change(&mut alice_phone, "edited", seq), without_id);

    let deleted = delete(&mut alice, seq, "d1");
    assert_eq!(deleted["type"], "deleted", "{deleted}");
    assert_eq!(
        (&deleted["target"], &deleted["room"], &deleted["by"]),
        (&json!(seq), &json!("math"), &json!("alice"))
    );
    assert!(deleted["seq"].as_u64() > Some(event_seq));
    assert_eq!(recv_change(&mut bob, "deleted", seq)["seq"], deleted["seq"]);

    // Carol is not in math: up to the answer to her own message, sent after all that, she heard
    // of no change.
    let sent = json!({"type": "send", "room": "general", "text": "hello", "id": "c1"});
    let (ack, before) = answer_after(&mut carol, sent);
    assert_eq!(ack["type"], "message");
    let heard: Vec<_> = before
        .iter()
        .filter(|f| f["type"] == "edited" || f["type"] == "deleted")
        .collect();
    assert!(heard.is_empty(), "{heard:?}");
}

// Only the author changes a message, only within the window; a message one cannot see, one
// that is deleted, or a change's seq, gets the same answer as one that does not exist.
#[test]
fn the_rules_of_who_may_change_what() {
    let server = server_with_window(Duration::from_millis(1500));
    let (_, mut alice) = person(&server, "alice");
    let (_, mut bob) = person(&server, "bob");
    enter(&mut alice, "create", "secret");
    let in_general = post_to(&mut alice, "general", "hello all", "m1");
    let in_secret = post_to(&mut alice, "secret", "just me", "m2");

    let not_yours = edit(&mut bob, in_general, "bob was here", "b1");
    assert_eq!(
        (&not_yours["type"], &not_yours["code"]),
        (&json!("error"), &json!("not_allowed"))
    );
    assert_eq!(delete(&mut bob, in_general, "b2")["code"], "not_allowed");

    let unseen = edit(&mut bob, in_secret, "peek", "b3");
    let missing = edit(&mut bob, 999_999, "peek", "b4");
    assert_eq!(unseen["code"], "no_such_message");
    assert_eq!(
        unseen["message"]
            .as_str()
            .map(|m| m.replace(&in_secret.to_string(), "N")),
        missing["message"]
            .as_str()
            .map(|m| m.replace("999999", "N")),
        "one sentence for both"
    );

    let change = edit(&mut alice, in_general, "hello everyone", "e1");
    let change_seq = change["seq"].as_u64().expect("a seq");
    assert_eq!(
        edit(&mut alice, change_seq, "x", "e2")["code"],
        "no_such_message"
    );
    assert_eq!(edit(&mut alice, in_general, "", "e3")["code"], "text_empty");
    assert_eq!(delete(&mut alice, in_secret, "d1")["type"], "deleted");
    assert_eq!(
        edit(&mut alice, in_secret, "again", "e4")["code"],
        "no_such_message"
    );
    assert_eq!(
        delete(&mut alice, in_secret, "d2")["code"],
        "no_such_message"
    );

    // The window passes (1.5 s after the message was sent): no more changes.
    std::thread::sleep(Duration::from_millis(1600));
    let late = edit(&mut alice, in_general, "too late", "e5");
    assert_eq!(late["code"], "not_allowed", "{late}");
    assert!(
        late["message"]
            .as_str()
            .is_some_and(|m| m.contains("after it is sent"))
    );
}

// A retried id gets the stored event back, to the retrying connection only, even after a
// restart; nothing is applied twice.
#[test]
fn a_retried_change_is_recognised_across_a_restart() {
    let server = server_with_window(Duration::from_secs(600));
    let (alice_token, mut alice) = person(&server, "alice");
    let seq = post_to(&mut alice, "general", "tpyo", "m1");
    let first = edit(&mut alice, seq, "typo", "e1");
    let again = edit(&mut alice, seq, "something else entirely", "e1");
    assert_eq!(again, first, "the stored event, whatever the retry's text");

    drop(alice);
    let data = server.stop();
    let server = start_in(data, unpaced);
    let (mut alice, _) = Client::join_as(&server, &alice_token);
    assert_eq!(edit(&mut alice, seq, "third text", "e1"), first);
    let current = history(&mut alice, "general");
    let message = current
        .iter()
        .find(|m| m["seq"] == seq)
        .expect("the message");
    assert_eq!(message["text"], "typo");
    assert_eq!(message["edited"], first["ts"]);
}

// History shows messages as they are now; a client that reconnects with ?since= gets exactly
// the messages and changes it missed, in seq order, each message in its current form.
#[test]
fn history_and_catch_up_show_messages_as_they_are_now() {
    let server = server_with_window(Duration::from_secs(600));
    let (_, mut alice) = person(&server, "alice");
    let (bob_token, mut bob) = person(&server, "bob");
    let kept = post_to(&mut alice, "general", "first", "m1");
    let gone = post_to(&mut alice, "general", "oops", "m2");
    let point = recv_change_seq(&mut bob, gone);
    drop(bob); // bob is away from here on

    let edit_kept = edit(&mut alice, kept, "first, edited", "e1");
    let edit_gone = edit(&mut alice, gone, "oops, edited", "e2");
    let delete_gone = delete(&mut alice, gone, "d1");
    let later = post_to(&mut alice, "general", "later", "m3");
    let edit_later = edit(&mut alice, later, "later, edited", "e3");

    let page = history(&mut alice, "general");
    let stub = page
        .iter()
        .find(|m| m["seq"] == gone)
        .expect("the deleted one keeps its place");
    assert_eq!(
        stub,
        &json!({"type": "message", "seq": gone, "from": "alice", "room": "general",
            "ts": stub["ts"], "deleted": true, "id": "m2"})
    );
    let first = page.iter().find(|m| m["seq"] == kept).expect("the first");
    assert_eq!(
        (&first["text"], &first["edited"]),
        (&json!("first, edited"), &edit_kept["ts"])
    );

    // Bob comes back from the message `gone`: what he missed, and nothing else.
    let mut bob = open(
        &server,
        &format!("/?since={point}"),
        &[("Authorization", &format!("Bearer {bob_token}"))],
    )
    .expect("handshake");
    assert_eq!(bob.recv()["type"], "welcome");
    let replayed = replayed(&mut bob);
    let seqs: Vec<_> = replayed.iter().map(|f| f["seq"].clone()).collect();
    // The edit of `gone` is left out: it was deleted since, and its deletion follows.
    assert_eq!(
        seqs,
        [
            &edit_kept["seq"],
            &delete_gone["seq"],
            &json!(later),
            &edit_later["seq"]
        ]
        .map(Value::clone)
    );
    assert_eq!(replayed[0]["text"], "first, edited");
    assert_eq!(
        replayed[2]["text"], "later, edited",
        "the message as it is now"
    );
    assert_eq!(
        replayed[3]["text"], "later, edited",
        "applying the edit changes nothing"
    );
    let _ = edit_gone;
}

/// The seq bob last received: the message `seq` once it reaches him.
fn recv_change_seq(bob: &mut Client, seq: u64) -> u64 {
    loop {
        let frame = bob.recv_type("message");
        if frame["seq"] == seq {
            return seq;
        }
    }
}
