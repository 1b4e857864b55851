//! Rooms cannot be hoarded (issue 14, attack 8): a room whose last member leaves is removed with
//! its messages, in memory and in the store, so its name is free again after a restart too; and
//! one user creates at most `--max-rooms-per-day` rooms, so a create-then-leave loop neither
//! fills `--max-rooms` nor holds names.

mod common;

use common::{Client, register, start, start_accounts, start_in, still_chatting};
use serde_json::{Value, json};

const PASSWORD: &str = "correct horse";

/// Room names in the answer to `rooms`.
fn room_names(client: &mut Client) -> Vec<String> {
    let list = client.ask(json!({"type": "rooms"}), "rooms");
    (list["rooms"].as_array().expect("a list").iter())
        .filter_map(|room| room["room"].as_str().map(str::to_owned))
        .collect()
}

/// The answer to one room frame: `joined`, `left` or an `error`.
fn answer(client: &mut Client, frame: Value) -> Value {
    client.send_json(frame);
    loop {
        let next = client.recv();
        if ["joined", "left", "error"].contains(&next["type"].as_str().unwrap_or("")) {
            return next;
        }
    }
}

// One user's create-then-leave loop (far faster than a person) is stopped by the daily cap with
// `too_many_rooms`, leaves no room behind, and never fills --max-rooms: another user still creates
// one, and a control pair chats meanwhile.
#[test]
fn a_create_and_leave_loop_cannot_fill_the_server() {
    let server = start(|c| {
        c.limits.max_rooms = 20;
        c.limits.room_change_burst = 1_000_000;
    });
    let (mut hoarder, _) = Client::join(&server, "hoarder");
    let (mut bob, _) = Client::join(&server, "bob");
    let (mut carol, _) = Client::join(&server, "carol");
    let mut refusals = Vec::new();
    // Bounded: 100 rounds, each two frames answered at once.
    for round in 0..100 {
        let name = format!("den{round}");
        let created = answer(&mut hoarder, json!({"type": "create", "room": name}));
        if created["type"] == "error" {
            refusals.push(created);
            continue;
        }
        let left = answer(&mut hoarder, json!({"type": "leave", "room": name}));
        assert_eq!(left["type"], "left", "{left}");
    }
    assert_eq!(
        refusals.len(),
        90,
        "ten rooms a day: {:?}",
        refusals.first()
    );
    assert!(refusals.iter().all(|r| r["code"] == "too_many_rooms"));
    let message = refusals[0]["message"].as_str().unwrap_or("");
    assert!(message.contains("today"), "says why: {message}");
    assert_eq!(room_names(&mut bob), ["general"], "every room left is gone");
    let made = answer(&mut bob, json!({"type": "create", "room": "den3"}));
    assert_eq!(
        (made["type"].as_str(), made["room"].as_str()),
        (Some("joined"), Some("den3")),
        "the name is free again, and the server is not full"
    );
    still_chatting(&mut bob, &mut carol, "still here");
}

// A room emptied is gone after a restart, with its messages: another user creates that name and
// finds it empty.
#[test]
fn an_emptied_room_is_gone_after_a_restart_with_its_messages() {
    let server = start_accounts(|_| {});
    let alice = register(&server, "alice", PASSWORD);
    let bob = register(&server, "bob", PASSWORD);
    let (mut a, _) = Client::join_as(&server, &alice);
    a.ask(json!({"type": "create", "room": "Chess"}), "joined");
    for n in 0..3 {
        let id = format!("c{n}");
        a.send_json(json!({"type": "send", "room": "Chess", "text": "e4", "id": id}));
        assert_eq!(a.recv_type("message")["id"], id);
    }
    a.ask(json!({"type": "leave", "room": "Chess"}), "left");
    drop(a);
    let server = start_in(server.stop(), |_| {});
    let (mut b, welcome) = Client::join_as(&server, &bob);
    assert_eq!(welcome["rooms"], json!(["general"]));
    assert_eq!(room_names(&mut b), ["general"], "Chess did not come back");
    let made = answer(&mut b, json!({"type": "create", "room": "chess"}));
    assert_eq!(made["type"], "joined", "the name is free: {made}");
    let page = b.ask(json!({"type": "history", "room": "chess"}), "history");
    assert_eq!(
        page["messages"],
        json!([]),
        "none of the old room's messages"
    );
    assert!(page.get("truncated").is_none(), "{page}");
    let (mut a, _) = Client::join_as(&server, &alice);
    still_chatting(&mut a, &mut b, "after the restart");
}

// `general` is never removed, even when its last member leaves.
#[test]
fn general_stays_when_everyone_leaves_it() {
    let server = start(|_| {});
    let (mut alice, _) = Client::join(&server, "alice");
    alice.ask(json!({"type": "leave", "room": "general"}), "left");
    assert_eq!(room_names(&mut alice), ["general"]);
    let back = answer(&mut alice, json!({"type": "join", "room": "general"}));
    assert_eq!(back["type"], "joined");
}

// A room nobody is a member of at start-up (here: a guest's, whose memberships are not stored;
// or one an older threadchat kept empty) is removed then, with its messages.
#[test]
fn a_room_without_members_at_start_up_is_removed() {
    let server = start(|_| {});
    let (mut alice, _) = Client::join(&server, "alice");
    alice.ask(json!({"type": "create", "room": "Art"}), "joined");
    alice.send_json(json!({"type": "send", "room": "Art", "text": "sketch", "id": "a1"}));
    assert_eq!(alice.recv_type("message")["id"], "a1");
    drop(alice);
    let server = start_in(server.stop(), |c| c.accounts.guests = true);
    let (mut bob, _) = Client::join(&server, "bob");
    assert_eq!(
        room_names(&mut bob),
        ["general"],
        "Art was removed at start-up"
    );
    assert_eq!(
        answer(&mut bob, json!({"type": "create", "room": "art"}))["type"],
        "joined"
    );
    let page = bob.ask(json!({"type": "history", "room": "art"}), "history");
    assert_eq!(
        page["messages"],
        json!([]),
        "none of the old room's messages"
    );
}
