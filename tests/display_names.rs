//! Display names: `{"type":"profile","display_name":…}` sets the name others see, in any script,
//! NFC-normalized; a name that looks like someone else's is refused; contacts hear of it (a
//! `profile` frame, and `display_name` on `members`, `presence`, `joined` and the `welcome`),
//! strangers do not; it is kept across a restart.

mod common;

use common::{Client, register, start_accounts, start_in};
use serde_json::{Value, json};

const PASSWORD: &str = "correct horse";

/// Sets `me`'s display name from `client`; the answer: `me`'s `profile` frame, or the `error`.
fn set(client: &mut Client, me: &str, name: &str) -> Value {
    client.send_json(json!({"type": "profile", "display_name": name}));
    loop {
        let frame = client.recv();
        if (frame["type"] == "profile" && frame["user"] == me) || frame["type"] == "error" {
            return frame;
        }
    }
}

// The rules: any script, one spelling (NFC, spaces), at most 40 characters, no control or bidi characters; empty clears.
#[test]
fn the_rules_of_a_display_name() {
    let server = start_accounts(|_| {});
    let jose = register(&server, "jose", PASSWORD);
    let (mut tab, _) = Client::join_as(&server, &jose);
    let set_to = set(&mut tab, "jose", "  Jose\u{301}   Nu\u{301}n\u{303}ez ");
    assert_eq!(
        set_to,
        json!({"type":"profile","user":"jose","display_name":"José Núñez"})
    );
    for bad in [
        "x".repeat(41),
        "evil\u{202E}txt".into(),
        "bell\u{7}".into(),
        "🙂".into(),
    ] {
        let refused = set(&mut tab, "jose", &bad);
        assert_eq!(refused["code"], "bad_display_name", "{bad:?}: {refused}");
    }
    let cleared = set(&mut tab, "jose", "");
    assert_eq!(
        cleared,
        json!({"type":"profile","user":"jose","display_name":null})
    );
}

// A display name that looks like another person's account name or display name is refused; one's own account name is fine.
#[test]
fn look_alikes_are_refused() {
    let server = start_accounts(|_| {});
    let (alice, mallory) = (
        register(&server, "alice", PASSWORD),
        register(&server, "mallory", PASSWORD),
    );
    let (mut alice_tab, _) = Client::join_as(&server, &alice);
    let (mut mallory_tab, _) = Client::join_as(&server, &mallory);
    assert_eq!(
        set(&mut alice_tab, "alice", "Alice")["display_name"],
        "Alice",
        "her own name"
    );
    assert_eq!(
        set(&mut alice_tab, "alice", "Ms Rivera")["display_name"],
        "Ms Rivera"
    );
    for fake in ["ALICE", "aIice", "Ms Rivеra" /* Cyrillic е */] {
        let refused = set(&mut mallory_tab, "mallory", fake);
        assert_eq!(refused["code"], "display_name_taken", "{fake}: {refused}");
    }
    // Alice's old display name is free again once she changes it.
    assert_eq!(
        set(&mut alice_tab, "alice", "Alice R.")["display_name"],
        "Alice R."
    );
    assert_eq!(
        set(&mut mallory_tab, "mallory", "Ms Rivera")["display_name"],
        "Ms Rivera"
    );
}

// Contacts hear of it at once and see it on members pages and presence; someone who shares nothing with the user does not.
#[test]
fn contacts_are_told_and_strangers_are_not() {
    let server = start_accounts(|_| {});
    let (zoe, bob, eve) = (
        register(&server, "zoe", PASSWORD),
        register(&server, "bob", PASSWORD),
        register(&server, "eve", PASSWORD),
    );
    let (mut eve_tab, _) = Client::join_as(&server, &eve);
    eve_tab.send_json(json!({"type": "leave", "room": "general"}));
    eve_tab.recv_type("left");
    let (mut bob_tab, _) = Client::join_as(&server, &bob);
    let (mut zoe_tab, _) = Client::join_as(&server, &zoe);
    set(&mut zoe_tab, "zoe", "Zoë");
    let told = bob_tab.recv_type("profile");
    assert_eq!(
        told,
        json!({"type":"profile","user":"zoe","display_name":"Zoë"})
    );
    let members = bob_tab.ask(json!({"type": "members", "room": "general"}), "members");
    let entry = members["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["user"] == "zoe")
        .cloned();
    assert_eq!(entry.unwrap()["display_name"], "Zoë");
    // eve shares no room with zoe: her next frame is her own message, nothing about zoe.
    eve_tab.send_json(json!({"type": "dm", "to": "eve", "text": "note", "id": "e1"}));
    let next = eve_tab.recv();
    assert_eq!(next["id"], "e1", "eve heard nothing of zoe: {next}");
    drop(zoe_tab);
    let gone = bob_tab.recv_presence(false);
    assert_eq!(gone["display_name"], "Zoë");
}

// Kept in the store: after a restart the welcome says it, and contacts' welcomes name it.
#[test]
fn kept_across_a_restart() {
    let server = start_accounts(|_| {});
    let (zoe, bob) = (
        register(&server, "zoe", PASSWORD),
        register(&server, "bob", PASSWORD),
    );
    let (mut zoe_tab, _) = Client::join_as(&server, &zoe);
    let (mut bob_tab, _) = Client::join_as(&server, &bob);
    set(&mut zoe_tab, "zoe", "Zoë Adams");
    zoe_tab.send_json(json!({"type": "dm", "to": "bob", "text": "hi", "id": "z1"}));
    bob_tab.recv_type("message");
    drop((zoe_tab, bob_tab));
    let server = start_in(server.stop(), |_| {});
    let zoe = common::login(&server, "zoe", PASSWORD);
    let bob = common::login(&server, "bob", PASSWORD);
    let (_, welcome) = Client::join_as(&server, &zoe);
    assert_eq!(welcome["display_name"], "Zoë Adams");
    let (_, welcome) = Client::join_as(&server, &bob);
    assert_eq!(
        welcome["display_names"],
        json!([{"user":"zoe","display_name":"Zoë Adams"}]),
        "{welcome}"
    );
}
