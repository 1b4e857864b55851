//! Teacher tools in the chat, on rooms and messages: rooms can be read-only or slow; a moderator
//! deletes any message, at any time, and the owners keep its text in the moderation log; who is
//! connected and the log are the staff's, and the log survives a restart.

mod common;

use std::time::Duration;

use common::{
    Client, act, class, delete, post_to, say, start_accounts, start_in, unpaced, wait_until,
};
use serde_json::{Value, json};

/// A server for a class: unpaced, so that the tests' bursts are not what is refused.
fn server() -> common::TestServer {
    start_accounts(unpaced)
}

// In a read-only room only owners and moderators post; in slow mode a member posts once per so
// many seconds and is told how long to wait. The room's members hear the settings, and the
// rooms list carries them.
#[test]
fn read_only_and_slow_rooms() {
    let server = server();
    let mut class = class(&server);
    let settings = act(
        &mut class.teacher,
        json!({"type": "room_settings", "room": "general", "read_only": true}),
        "ro",
    );
    assert_eq!(
        (
            &settings["type"],
            &settings["read_only"],
            &settings["slow_seconds"]
        ),
        (&json!("room_settings"), &json!(true), &json!(0))
    );
    let heard = class.student.client.recv_type("room_settings");
    assert_eq!(
        (&heard["by"], &heard["read_only"]),
        (&json!("teacher"), &json!(true))
    );
    assert_eq!(say(&mut class.student, "may I?", "s0")["code"], "read_only");
    assert_eq!(
        say(&mut class.moderator, "announcement", "m0")["type"],
        "message"
    );
    let list = class.student.client.ask(json!({"type": "rooms"}), "rooms");
    assert_eq!(list["rooms"][0]["read_only"], true);
    act(
        &mut class.moderator,
        json!({"type": "room_settings", "room": "general", "read_only": false, "slow_seconds": 30}),
        "slow",
    );
    assert_eq!(say(&mut class.student, "one", "s1")["type"], "message");
    let error = say(&mut class.student, "two", "s2");
    assert_eq!(error["code"], "slow_mode", "{error}");
    let wait = error["retry_after"].as_u64().expect("retry_after");
    assert!((25_000..=30_000).contains(&wait), "{error}");
    assert_eq!(
        say(&mut class.moderator, "staff are exempt", "m1")["type"],
        "message"
    );
    assert_eq!(say(&mut class.moderator, "twice", "m2")["type"], "message");
    let list = class.student.client.ask(json!({"type": "rooms"}), "rooms");
    assert_eq!(
        (
            &list["rooms"][0]["read_only"],
            &list["rooms"][0]["slow_seconds"]
        ),
        (&json!(false), &json!(30))
    );
}

// A moderator deletes a student's message at any time, as a deletion by them; the log keeps the
// text for the owners only. Connections and the log are the staff's.
#[test]
fn a_moderator_deletes_any_message_and_the_owner_keeps_the_evidence() {
    let server = start_accounts(|config| {
        unpaced(config);
        config.limits.edit_window = Duration::from_millis(1);
    });
    let mut class = class(&server);
    let sent = json!({"type": "send", "room": "general", "text": "something unkind", "id": "b1"});
    let ack = common::answer(&mut class.student.client, sent);
    let (seq, ts) = (
        ack["seq"].as_u64().expect("seq"),
        ack["ts"].as_u64().expect("ts"),
    );
    // The server's clock is this machine's: the window has passed once it says so.
    wait_until("the 1 ms edit window passes", || {
        threadchat::log::now_ms() > ts + 1
    });
    let own = delete(&mut class.student.client, seq, "late");
    assert_eq!(
        own["code"], "not_allowed",
        "the student's window has passed"
    );
    let other = post_to(&mut class.teacher.client, "general", "teacher's", "t1");
    let code = delete(&mut class.student.client, other, "theirs")["code"].clone();
    assert_eq!(code, "not_allowed");
    let deleted = delete(&mut class.moderator.client, seq, "d1");
    assert_eq!(
        (
            &deleted["type"],
            &deleted["target"],
            &deleted["by"],
            &deleted["from"]
        ),
        (
            &json!("deleted"),
            &json!(seq),
            &json!("marta"),
            &json!("bob")
        )
    );
    while class.student.client.recv_type("deleted")["target"] != seq {}
    let page = act(
        &mut class.teacher,
        json!({"type": "audit", "limit": 50}),
        "a1",
    );
    let entries = page["entries"].as_array().expect("entries");
    let entry = entries.last().expect("an entry");
    assert_eq!(
        (
            &entry["action"],
            &entry["by"],
            &entry["user"],
            &entry["target"],
            &entry["text"]
        ),
        (
            &json!("delete"),
            &json!("marta"),
            &json!("bob"),
            &json!(seq),
            &json!("something unkind")
        )
    );
    let page = act(&mut class.moderator, json!({"type": "audit"}), "a2");
    let entry = page["entries"].as_array().and_then(|e| e.last()).cloned();
    let entry = entry.expect("an entry");
    assert_eq!(entry["action"], "delete");
    assert!(
        entry.get("text").is_none(),
        "moderators do not read deleted texts: {entry}"
    );
    // Who is here: bob on two tabs, from this machine.
    let _second = Client::join_as(&server, &class.student.token);
    let here = act(&mut class.moderator, json!({"type": "connections"}), "c1");
    let bob = here["users"]
        .as_array()
        .and_then(|users| users.iter().find(|u| u["user"] == "bob"))
        .cloned()
        .expect("bob is connected");
    assert_eq!(
        bob,
        json!({"user": "bob", "role": "member", "tabs": 2, "addresses": ["127.0.0.1"], "muted_until": null})
    );
    assert_eq!(here["more"], false);
}

// The log numbers its entries in order, newest last, pages back with `before`, and survives a
// restart.
#[test]
fn the_moderation_log_pages_and_survives_a_restart() {
    let server = server();
    let mut class = class(&server);
    for (n, minutes) in [1, 2, 3].into_iter().enumerate() {
        let mute = json!({"type": "mute", "user": "bob", "minutes": minutes});
        act(&mut class.moderator, mute, &format!("m{n}"));
    }
    act(
        &mut class.moderator,
        json!({"type": "unmute", "user": "bob"}),
        "u",
    );
    let teacher = class.teacher.token.clone();
    drop(class);
    let server = start_in(server.stop(), unpaced);
    let mut teacher = common::connect(&server, &teacher);
    let page = act(&mut teacher, json!({"type": "audit", "limit": 2}), "a");
    let entries = page["entries"].as_array().expect("entries").clone();
    let actions: Vec<_> = entries.iter().map(|e| e["action"].clone()).collect();
    assert_eq!(actions, [json!("mute"), json!("unmute")]);
    assert_eq!(
        (&entries[0]["minutes"], &page["more"]),
        (&json!(3), &json!(true))
    );
    let first = entries[0]["n"].as_u64().expect("n");
    assert!(entries[1]["n"].as_u64() > Some(first));
    let older = act(
        &mut teacher,
        json!({"type": "audit", "limit": 50, "before": first}),
        "b",
    );
    let actions: Vec<_> = older["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| (e["action"].clone(), e["minutes"].clone()))
        .collect();
    // The setup link's owner, marta's role, then the first two mutes.
    assert_eq!(
        actions,
        [
            (json!("role"), Value::Null),
            (json!("role"), Value::Null),
            (json!("mute"), json!(1)),
            (json!("mute"), json!(2))
        ]
    );
    assert_eq!(older["more"], false);
}
