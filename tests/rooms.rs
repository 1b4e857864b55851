//! Rooms, private messages and typing, through real WebSocket clients (presence: presence.rs).

mod common;

use common::{Client, TestServer, register, start, start_accounts, start_in};
use serde_json::{Value, json};

const PASSWORD: &str = "correct horse";

fn error_code(client: &mut Client, frame: Value) -> String {
    client.ask(frame, "error")["code"]
        .as_str()
        .unwrap_or("")
        .to_owned()
}

/// A guest server with three people online.
fn three(server: &TestServer) -> (Client, Client, Client) {
    let (alice, _) = Client::join(server, "alice");
    let (bob, _) = Client::join(server, "bob");
    let (carol, _) = Client::join(server, "carol");
    (alice, bob, carol)
}

// A room is created and joined by name; its messages reach its members, on all their tabs, and
// nobody else; `send` without a room goes to `general`.
#[test]
fn a_rooms_messages_reach_exactly_its_members() {
    let server = start(|_| {});
    let (mut alice, mut bob, mut carol) = three(&server);
    let created = alice.ask(json!({"type": "create", "room": "Math"}), "joined");
    assert_eq!(
        (created["room"].as_str(), created["user"].as_str()),
        (Some("Math"), Some("alice"))
    );
    let joined = bob.ask(json!({"type": "join", "room": "math"}), "joined");
    assert_eq!(joined["room"], "Math", "the room's own spelling");
    assert_eq!(alice.recv_type("joined")["user"], "bob");
    alice.send_json(json!({"type": "send", "room": "math", "text": "x²", "id": "m1"}));
    let own = alice.recv_type("message");
    assert_eq!(
        (own["room"].as_str(), own["id"].as_str()),
        (Some("Math"), Some("m1"))
    );
    let got = bob.recv_type("message");
    assert_eq!((got["text"].as_str(), got.get("id")), (Some("x²"), None));
    carol.send_json(json!({"type": "send", "text": "in general", "id": "g1"}));
    let first = carol.recv_type("message");
    assert_eq!(
        (first["room"].as_str(), first["text"].as_str()),
        (Some("general"), Some("in general")),
        "carol's first message is her own: math's never reached her"
    );
    assert_eq!(bob.recv_type("message")["text"], "in general");
}

// Every refusal a room frame can get, with its code; the connection stays open.
#[test]
fn room_errors_have_their_codes() {
    let server = start(|c| {
        c.limits.max_rooms = 3;
        c.limits.max_rooms_per_user = 2;
    });
    let (mut alice, mut bob) = (
        Client::join(&server, "alice").0,
        Client::join(&server, "bob").0,
    );
    let mut code = |frame| error_code(&mut alice, frame);
    assert_eq!(
        code(json!({"type": "create", "room": "a b"})),
        "room_name_invalid"
    );
    assert_eq!(
        code(json!({"type": "join", "room": "nowhere"})),
        "no_such_room"
    );
    assert_eq!(
        code(json!({"type": "leave", "room": "nowhere"})),
        "no_such_room"
    );
    assert_eq!(
        code(json!({"type": "send", "room": "nowhere", "text": "x"})),
        "no_such_room"
    );
    assert_eq!(
        code(json!({"type": "dm", "to": "nobody", "text": "x"})),
        "no_such_user"
    );
    assert_eq!(
        code(json!({"type": "create", "room": "GENERAL"})),
        "room_exists"
    );
    alice.send_json(json!({"type": "create", "room": "one"}));
    alice.recv_type("joined");
    let mut code = |frame| error_code(&mut alice, frame);
    assert_eq!(
        code(json!({"type": "create", "room": "two"})),
        "too_many_rooms",
        "per user: 2"
    );
    let mut bcode = |frame| error_code(&mut bob, frame);
    assert_eq!(
        bcode(json!({"type": "send", "room": "one", "text": "x", "id": "b1"})),
        "not_a_member"
    );
    assert_eq!(
        bcode(json!({"type": "leave", "room": "one"})),
        "not_a_member"
    );
    assert_eq!(
        bcode(json!({"type": "typing", "room": "one"})),
        "not_a_member"
    );
    bob.send_json(json!({"type": "create", "room": "two"}));
    bob.recv_type("joined");
    let (mut carol, _) = Client::join(&server, "carol2");
    let total = error_code(&mut carol, json!({"type": "create", "room": "three"}));
    assert_eq!(
        total, "too_many_rooms",
        "three rooms in all: the server's most"
    );
}

// The list of rooms names each with its number of members and of those online.
#[test]
fn the_room_list_counts_members_and_online() {
    let server = start(|_| {});
    let (mut alice, mut bob, carol) = three(&server);
    alice.send_json(json!({"type": "create", "room": "art"}));
    alice.recv_type("joined");
    bob.send_json(json!({"type": "join", "room": "art"}));
    bob.recv_type("joined");
    drop(carol);
    alice.recv_presence(false);
    let list = alice.ask(json!({"type": "rooms"}), "rooms");
    assert_eq!(
        list["rooms"],
        json!([
            {"room": "art", "members": 2, "online": 2, "read_only": false, "slow_seconds": 0},
            {"room": "general", "members": 3, "online": 2, "read_only": false, "slow_seconds": 0}
        ])
    );
}

// Leaving a room stops its messages; `general` can be left and joined again.
#[test]
fn leaving_stops_a_rooms_messages() {
    let server = start(|_| {});
    let (mut alice, mut bob, _) = three(&server);
    let left = bob.ask(json!({"type": "leave", "room": "general"}), "left");
    assert_eq!(
        (left["room"].as_str(), left["user"].as_str()),
        (Some("general"), Some("bob"))
    );
    alice.send_json(json!({"type": "send", "text": "bob is gone", "id": "1"}));
    alice.recv_type("message");
    bob.send_json(json!({"type": "rooms"}));
    let next = bob.recv();
    assert_eq!(
        next["type"], "rooms",
        "no message from general came first: {next}"
    );
    assert_eq!(
        bob.ask(json!({"type": "join", "room": "general"}), "joined")["user"],
        "bob"
    );
    alice.send_json(json!({"type": "send", "text": "welcome back", "id": "2"}));
    assert_eq!(bob.recv_type("message")["text"], "welcome back");
}

// A private message reaches exactly the two users, on every tab of each, never a third; the
// sending tab's copy carries the id.
#[test]
fn a_private_message_reaches_exactly_two_users() {
    let server = start_accounts(|_| {});
    let tokens: Vec<String> = ["alice", "bob", "carol"]
        .iter()
        .map(|name| register(&server, name, PASSWORD))
        .collect();
    let (mut alice, _) = Client::join_as(&server, &tokens[0]);
    let (mut alice2, _) = Client::join_as(&server, &tokens[0]);
    let (mut bob, _) = Client::join_as(&server, &tokens[1]);
    let (mut bob2, _) = Client::join_as(&server, &tokens[1]);
    let (mut carol, _) = Client::join_as(&server, &tokens[2]);
    alice.send_json(json!({"type": "dm", "to": "BOB", "text": "psst", "id": "d1"}));
    let own = alice.recv_type("message");
    assert_eq!(
        (own["to"].as_str(), own["id"].as_str()),
        (Some("bob"), Some("d1"))
    );
    for tab in [&mut alice2, &mut bob, &mut bob2] {
        let copy = tab.recv_type("message");
        assert_eq!(
            (copy["from"].as_str(), copy["to"].as_str(), copy.get("id")),
            (Some("alice"), Some("bob"), None)
        );
        assert!(copy.get("room").is_none());
    }
    carol.send_json(json!({"type": "rooms"}));
    assert_eq!(
        carol.recv()["type"],
        "rooms",
        "carol got no private message first"
    );
}

// A private message to someone who is not connected is accepted, and they see it in the history
// of the conversation when they come.
#[test]
fn a_private_message_waits_for_its_reader() {
    let server = start_accounts(|_| {});
    let alice = register(&server, "alice", PASSWORD);
    let bob = register(&server, "bob", PASSWORD);
    let (mut a, _) = Client::join_as(&server, &alice);
    a.send_json(json!({"type": "dm", "to": "bob", "text": "when you are back", "id": "x"}));
    assert_eq!(a.recv_type("message")["id"], "x");
    let (mut b, welcome) = Client::join_as(&server, &bob);
    assert_eq!(welcome["dms"], json!(["alice"]));
    let page = b.ask(json!({"type": "history", "with": "alice"}), "history");
    assert_eq!(page["with"], "alice");
    assert_eq!(page["messages"][0]["text"], "when you are back");
}

// Typing is relayed to the others in the conversation, not to the typist's tabs, and at most once
// every two seconds per conversation.
#[test]
fn typing_is_relayed_and_rate_limited() {
    let server = start(|_| {});
    let (mut alice, mut bob, _) = three(&server);
    alice.send_json(json!({"type": "typing", "room": "general"}));
    alice.send_json(json!({"type": "typing", "room": "general"}));
    alice.send_json(json!({"type": "typing", "to": "bob"}));
    alice.send_json(json!({"type": "send", "text": "done", "id": "t"}));
    let typing_until_message = |client: &mut Client| {
        let mut typing = Vec::new();
        loop {
            let frame = client.recv();
            match frame["type"].as_str() {
                Some("message") => return typing,
                Some("typing") => typing.push(frame),
                _ => {}
            }
        }
    };
    assert_eq!(
        typing_until_message(&mut bob),
        [
            json!({"type": "typing", "room": "general", "user": "alice"}),
            json!({"type": "typing", "to": "bob", "user": "alice"}),
        ],
        "the second room notice was dropped"
    );
    assert!(
        typing_until_message(&mut alice).is_empty(),
        "no typing echoed to the typist"
    );
}

// A user sending faster than --send-rate (after a burst) gets rate_limited, naming the message.
#[test]
fn sending_too_fast_is_rate_limited() {
    let server = start(|c| {
        c.limits.send_rate = 1;
        c.limits.send_burst = 3;
    });
    let (mut alice, _) = Client::join(&server, "alice");
    for i in 0..4 {
        alice.send_json(json!({"type": "send", "text": "spam", "id": format!("s{i}")}));
    }
    // The refusal goes out at once; the others once they are stored.
    let (mut acked, mut refused) = (Vec::new(), Vec::new());
    while acked.len() + refused.len() < 4 {
        let frame = alice.recv();
        match frame["type"].as_str() {
            Some("message") => acked.push(frame["id"].clone()),
            Some("error") => refused.push((frame["code"].clone(), frame["id"].clone())),
            _ => {}
        }
    }
    assert_eq!(acked, [json!("s0"), json!("s1"), json!("s2")]);
    assert_eq!(refused, [(json!("rate_limited"), json!("s3"))]);
}

// Rooms and memberships survive a restart (accounts).
#[test]
fn rooms_and_memberships_survive_a_restart() {
    let server = start_accounts(|_| {});
    let token = register(&server, "alice", PASSWORD);
    let (mut alice, _) = Client::join_as(&server, &token);
    alice.ask(json!({"type": "create", "room": "Chess"}), "joined");
    alice.ask(json!({"type": "leave", "room": "general"}), "left");
    drop(alice);
    let data = server.stop();
    let server = start_in(data, |_| {});
    let (mut alice, welcome) = Client::join_as(&server, &token);
    assert_eq!(welcome["rooms"], json!(["Chess"]));
    let list = alice.ask(json!({"type": "rooms"}), "rooms");
    assert_eq!(list["rooms"][0]["room"], "Chess");
    assert_eq!(
        list["rooms"][1],
        json!({"room": "general", "members": 0, "online": 0, "read_only": false, "slow_seconds": 0})
    );
}
