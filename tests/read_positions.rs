//! Read positions kept by the server: `{"type":"read","room":…,"seq":…}` moves how far a user has
//! read, every tab of theirs hears of it, nobody else does, and the next `welcome` (a reload, a
//! second device, a restart, a crash) says how far and how many are unread.

mod common;

use std::process::Stdio;

use common::{Binary, Client, TempDir, TestServer, register, start_accounts, start_in, unpaced};
use serde_json::{Value, json};

const PASSWORD: &str = "correct horse";

/// The welcome's entry for `room` (or the private conversation `with`), if it has one.
fn entry<'a>(welcome: &'a Value, field: &str, name: &str) -> Option<&'a Value> {
    welcome["read"]
        .as_array()
        .expect("a read list in every welcome")
        .iter()
        .find(|e| e[field] == name)
}

/// `from` posts `count` messages to general; the seq of the last.
fn post(from: &mut Client, prefix: &str, count: usize) -> u64 {
    let mut last = 0;
    for i in 1..=count {
        let id = format!("{prefix}{i}");
        from.say(&format!("{prefix} {i}"), &id);
        loop {
            let frame = from.recv();
            if frame["id"] == id.as_str() {
                assert_eq!(frame["type"], "message", "{frame}");
                last = frame["seq"].as_u64().expect("a seq");
                break;
            }
        }
    }
    last
}

fn two_people(server: &TestServer) -> (String, String) {
    (
        register(server, "alice", PASSWORD),
        register(server, "bob", PASSWORD),
    )
}

// A read moves the position on every tab of the reader, with what is left unread; the next
// welcome says so too. Before a read, what others wrote since one joined is unread.
#[test]
fn a_read_reaches_every_tab_and_the_next_welcome() {
    let server = start_accounts(unpaced);
    let (alice, bob) = two_people(&server);
    let (mut bob_tab, _) = Client::join_as(&server, &bob);
    let (mut laptop, _) = Client::join_as(&server, &alice);
    let (mut phone, _) = Client::join_as(&server, &alice);
    let last = post(&mut bob_tab, "news", 5);
    let (_, welcome) = Client::join_as(&server, &alice);
    let general = entry(&welcome, "room", "general").expect("general has a position");
    assert_eq!(general["unread"], 5, "{welcome}");
    assert_eq!(
        general["newest"], last,
        "the count covers up to the newest message"
    );

    laptop.send_json(json!({"type": "read", "room": "general", "seq": last - 2}));
    for tab in [&mut laptop, &mut phone] {
        let read = tab.recv_type("read");
        assert_eq!(
            read,
            json!({"type":"read","room":"general","seq":last - 2,"unread":2,"newest":last})
        );
    }
    let (_, welcome) = Client::join_as(&server, &alice);
    let general = entry(&welcome, "room", "general").expect("general");
    assert_eq!(
        (general["seq"].as_u64(), general["unread"].as_u64()),
        (Some(last - 2), Some(2))
    );
}

// Positions only move forward and never past the newest message, so repeating a read (or
// naming a seq from the future) tells nobody anything new; other users are never told.
#[test]
fn only_forward_only_to_the_reader() {
    let server = start_accounts(unpaced);
    let (alice, bob) = two_people(&server);
    let (mut bob_tab, _) = Client::join_as(&server, &bob);
    let (mut alice_tab, _) = Client::join_as(&server, &alice);
    let last = post(&mut bob_tab, "line", 3);
    for _ in 0..1000 {
        alice_tab.send_json(json!({"type": "read", "room": "general", "seq": last + 1_000}));
    }
    let read = alice_tab.recv_type("read");
    assert_eq!(read["seq"], last, "clamped to the newest message");
    alice_tab.send_json(json!({"type": "read", "room": "general", "seq": 1}));
    // The next frame alice gets is bob's message, not a second read: nothing moved again.
    let probe = post(&mut bob_tab, "probe", 1);
    let next = alice_tab.recv();
    assert_eq!(
        (next["type"].as_str(), next["seq"].as_u64()),
        (Some("message"), Some(probe))
    );
    // bob heard of none of it: his next frame is his own next message.
    bob_tab.say("after", "b-after");
    assert_eq!(bob_tab.recv()["id"], "b-after");
}

// A read of a room one is not in is refused like any frame about it; so is a private
// conversation that does not exist; neither says anything about the room's messages.
#[test]
fn reading_what_is_not_yours_is_refused() {
    let server = start_accounts(unpaced);
    let (alice, bob) = two_people(&server);
    let (mut bob_tab, _) = Client::join_as(&server, &bob);
    bob_tab.send_json(json!({"type": "create", "room": "secret"}));
    bob_tab.recv_type("joined");
    let (mut alice_tab, _) = Client::join_as(&server, &alice);
    let refused = alice_tab.ask(json!({"type": "read", "room": "secret", "seq": 1}), "error");
    assert_eq!(refused["code"], "not_a_member");
    let refused = alice_tab.ask(json!({"type": "read", "with": "bob", "seq": 1}), "error");
    assert_eq!(refused["code"], "no_such_user");
    assert!(
        refused["message"]
            .as_str()
            .unwrap()
            .contains("no private conversation")
    );
}

// A private conversation's messages are unread for the one written to until they read them.
#[test]
fn a_private_message_is_unread_until_read() {
    let server = start_accounts(unpaced);
    let (alice, bob) = two_people(&server);
    let (mut bob_tab, _) = Client::join_as(&server, &bob);
    bob_tab.send_json(json!({"type": "dm", "to": "alice", "text": "psst", "id": "d1"}));
    let seq = bob_tab.recv_type("message")["seq"].as_u64().expect("a seq");
    let (mut alice_tab, welcome) = Client::join_as(&server, &alice);
    let with_bob = entry(&welcome, "with", "bob").expect("the conversation with bob");
    assert_eq!(
        (with_bob["seq"].as_u64(), with_bob["unread"].as_u64()),
        (Some(0), Some(1))
    );
    alice_tab.send_json(json!({"type": "read", "with": "bob", "seq": seq}));
    assert_eq!(alice_tab.recv_type("read")["unread"], 0);
    let (_, welcome) = Client::join_as(&server, &bob);
    let with_alice = entry(&welcome, "with", "alice");
    assert!(
        with_alice.is_none_or(|e| e["unread"] == 0),
        "bob's own message is not unread for him"
    );
}

// Positions are kept across a restart, with the unread counts the messages kept give.
#[test]
fn kept_across_a_restart() {
    let server = start_accounts(unpaced);
    let (alice, bob) = two_people(&server);
    let (mut bob_tab, _) = Client::join_as(&server, &bob);
    let (mut alice_tab, _) = Client::join_as(&server, &alice);
    let first = post(&mut bob_tab, "before", 4);
    alice_tab.send_json(json!({"type": "read", "room": "general", "seq": first - 1}));
    alice_tab.recv_type("read");
    drop((alice_tab, bob_tab));
    let server = start_in(server.stop(), unpaced);
    let alice = common::login(&server, "alice", PASSWORD);
    let (_, welcome) = Client::join_as(&server, &alice);
    let general = entry(&welcome, "room", "general").expect("general");
    assert_eq!(
        (general["seq"].as_u64(), general["unread"].as_u64()),
        (Some(first - 1), Some(1))
    );
}

// kill -9 after a read and a message behind it are committed: the restarted server knows both.
#[test]
fn kept_across_a_crash() {
    let server = Binary::accounts(TempDir::new(), &["--send-burst", "1000"], Stdio::null());
    let (alice, bob) = (server.register("alice"), server.register("bob"));
    let mut bob_tab = server.join(&bob);
    let mut alice_tab = server.join(&alice);
    let last = bob_tab.post("one", "b1")["seq"].as_u64().expect("a seq");
    bob_tab.post("two", "b2");
    alice_tab.send_json(json!({"type": "read", "room": "general", "seq": last}));
    alice_tab.recv_type("read");
    // Handed to the store with alice's next message at the latest: acknowledged, both are on disk.
    alice_tab.post("after reading", "a1");
    let server = Binary::accounts(server.crash(), &[], Stdio::null());
    let token = server.login("alice").body["token"]
        .as_str()
        .expect("a token")
        .to_owned();
    let (name, value) = common::bearer(&token);
    let mut tab = common::open_at(&server.ws, "/", &[(name, &value)]).expect("handshake");
    let welcome = tab.recv();
    let general = entry(&welcome, "room", "general").expect("general");
    assert_eq!(
        (general["seq"].as_u64(), general["unread"].as_u64()),
        (Some(last), Some(1))
    );
}
