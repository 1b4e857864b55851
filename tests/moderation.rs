//! Teacher tools in the chat: roles decide who may moderate whom; mutes silence a student who
//! still reads; rooms can be read-only or slow; a moderator deletes any message, at any time;
//! who is connected and the moderation log are the staff's. Three accounts throughout: an
//! owner (the teacher, made through the setup link), a moderator and a member.

mod common;

use std::time::Duration;

use common::{
    Client, Person, act, class, delete, post_to, refused, start_accounts, start_in, unpaced,
    wait_until,
};
use serde_json::{Value, json};

/// A server for a class: unpaced, so that the tests' bursts are not what is refused.
fn server() -> common::TestServer {
    start_accounts(unpaced)
}

/// Bob's `send` to general, answered.
fn say(person: &mut Person, text: &str, id: &str) -> Value {
    act(
        person,
        json!({"type": "send", "room": "general", "text": text}),
        id,
    )
}

/// Skips frames until one of `kind` about `user` arrives.
fn recv_about(client: &mut Client, kind: &str, user: &str) -> Value {
    loop {
        let frame = client.recv_type(kind);
        if frame["user"] == user {
            return frame;
        }
    }
}

// A member gets `forbidden` for every moderation frame, naming its id; a moderator for roles and
// registration, and for acting on an owner; an owner for acting on an owner.
#[test]
fn each_role_is_refused_what_is_above_it() {
    let server = server();
    let mut class = class(&server);
    let every = [
        json!({"type": "mute", "user": "marta", "minutes": 5}),
        json!({"type": "unmute", "user": "marta"}),
        json!({"type": "suspend", "user": "marta"}),
        json!({"type": "unsuspend", "user": "marta"}),
        json!({"type": "reset_code", "user": "marta"}),
        json!({"type": "registration", "mode": "closed"}),
        json!({"type": "role", "user": "bob", "role": "owner"}),
        json!({"type": "room_settings", "room": "general", "read_only": true}),
        json!({"type": "connections"}),
        json!({"type": "audit"}),
    ];
    for (n, frame) in every.iter().enumerate() {
        let code = refused(&mut class.student, frame.clone(), &format!("m{n}"));
        assert_eq!(code, "forbidden", "a member sending {frame}");
    }
    for frame in [
        json!({"type": "registration", "mode": "closed"}),
        json!({"type": "role", "user": "bob", "role": "moderator"}),
        json!({"type": "mute", "user": "teacher", "minutes": 5}),
        json!({"type": "suspend", "user": "teacher"}),
        json!({"type": "reset_code", "user": "teacher"}),
    ] {
        let code = refused(&mut class.moderator, frame.clone(), "x");
        assert_eq!(code, "forbidden", "a moderator sending {frame}");
    }
    let code = refused(
        &mut class.teacher,
        json!({"type": "mute", "user": "teacher", "minutes": 1}),
        "self",
    );
    assert_eq!(code, "forbidden", "an owner cannot be muted");
    let code = refused(
        &mut class.teacher,
        json!({"type": "mute", "user": "nobody", "minutes": 1}),
        "who",
    );
    assert_eq!(code, "no_such_user");
    // The welcome says each one's role; the people lists mark staff.
    let (_, welcome) = Client::join_as(&server, &class.moderator.token);
    assert_eq!(welcome["role"], "moderator");
    assert_eq!(
        welcome["staff"],
        json!([{"user": "marta", "role": "moderator"}, {"user": "teacher", "role": "owner"}])
    );
    let (_, welcome) = Client::join_as(&server, &class.student.token);
    assert_eq!(welcome["role"], "member");
    let page = class
        .student
        .client
        .ask(json!({"type": "members", "room": "general"}), "members");
    let roles: Vec<_> = page["members"]
        .as_array()
        .expect("members")
        .iter()
        .map(|m| (m["user"].clone(), m["role"].clone()))
        .collect();
    assert!(
        roles.contains(&(json!("teacher"), json!("owner"))),
        "{page}"
    );
    assert!(roles.contains(&(json!("bob"), Value::Null)), "{page}");
}

// A muted student still reads, but their send, dm, edit and typing are refused with `muted` and
// when it ends; their tabs and the staff hear of it, and of its end.
#[test]
fn a_muted_student_reads_but_cannot_write_until_unmuted() {
    let server = server();
    let mut class = class(&server);
    let seq = post_to(&mut class.student.client, "general", "before", "b0");
    let muted = act(
        &mut class.moderator,
        json!({"type": "mute", "user": "bob", "minutes": 10}),
        "mu",
    );
    assert_eq!(
        (&muted["type"], &muted["user"], &muted["by"]),
        (&json!("muted"), &json!("bob"), &json!("marta"))
    );
    let until = muted["until"].as_u64().expect("a time");
    assert!(
        until > muted["ts"].as_u64().expect("ts") + 9 * 60_000,
        "{muted}"
    );
    assert_eq!(
        recv_about(&mut class.student.client, "muted", "bob")["until"],
        until
    );
    assert_eq!(
        recv_about(&mut class.teacher.client, "muted", "bob")["until"],
        until
    );
    for (frame, id) in [
        (
            json!({"type": "send", "room": "general", "text": "hi"}),
            "s",
        ),
        (json!({"type": "dm", "to": "teacher", "text": "hi"}), "d"),
        (json!({"type": "edit", "seq": seq, "text": "changed"}), "e"),
    ] {
        let error = act(&mut class.student, frame, id);
        assert_eq!(
            (&error["code"], &error["until"]),
            (&json!("muted"), &json!(until))
        );
    }
    class
        .student
        .client
        .send_json(json!({"type": "typing", "room": "general"}));
    let error = class.student.client.recv_type("error");
    assert_eq!(error["code"], "muted");
    // Reading goes on: the teacher's message reaches bob.
    post_to(&mut class.teacher.client, "general", "still heard", "t1");
    while class.student.client.recv_type("message")["text"] != "still heard" {}
    let lifted = act(
        &mut class.teacher,
        json!({"type": "unmute", "user": "bob"}),
        "un",
    );
    assert_eq!(
        (&lifted["type"], &lifted["until"]),
        (&json!("muted"), &json!(0))
    );
    assert_eq!(
        recv_about(&mut class.student.client, "muted", "bob")["until"],
        0
    );
    assert_eq!(say(&mut class.student, "back", "s2")["type"], "message");
}

// A mute of 0 minutes lasts until lifted (`until` null), a restart included; a timed one ends
// by itself.
#[test]
fn mutes_last_until_lifted_or_until_their_time() {
    let server = start_accounts(|config| {
        unpaced(config);
        config.limits.mute_minute = Duration::from_millis(300);
    });
    let mut class = class(&server);
    let muted = act(
        &mut class.teacher,
        json!({"type": "mute", "user": "marta", "minutes": 0}),
        "m0",
    );
    assert_eq!(muted["until"], Value::Null, "{muted}");
    let error = say(&mut class.moderator, "hello", "s0");
    assert_eq!(
        (&error["code"], &error["until"]),
        (&json!("muted"), &Value::Null)
    );
    act(
        &mut class.teacher,
        json!({"type": "mute", "user": "bob", "minutes": 1}),
        "m1",
    );
    assert_eq!(say(&mut class.student, "now?", "s1")["code"], "muted");
    let mut n = 0;
    wait_until("bob's mute of one short minute ends", || {
        n += 1;
        say(&mut class.student, "now?", &format!("t{n}"))["type"] == "message"
    });
    let (marta, data) = (class.moderator.token.clone(), server.stop());
    let server = start_in(data, unpaced);
    let (mut marta, welcome) = Client::join_as(&server, &marta);
    assert_eq!(welcome["muted_until"], Value::Null);
    assert!(
        welcome
            .as_object()
            .is_some_and(|w| w.contains_key("muted_until"))
    );
    let sent = json!({"type": "send", "room": "general", "text": "after", "id": "a"});
    assert_eq!(common::answer(&mut marta, sent)["code"], "muted");
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

// The last owner cannot step down; once there is another, they can.
#[test]
fn the_last_owner_stays() {
    let server = server();
    let mut class = class(&server);
    let own = json!({"type": "role", "user": "teacher", "role": "member"});
    assert_eq!(refused(&mut class.teacher, own.clone(), "r1"), "last_owner");
    let made = act(
        &mut class.teacher,
        json!({"type": "role", "user": "marta", "role": "owner"}),
        "r2",
    );
    assert_eq!(
        (&made["role"], &made["by"]),
        (&json!("owner"), &json!("teacher"))
    );
    // Everyone online hears a role change (first the one that made her a moderator).
    assert_eq!(
        recv_about(&mut class.student.client, "role", "marta")["role"],
        "moderator"
    );
    assert_eq!(
        recv_about(&mut class.student.client, "role", "marta")["role"],
        "owner"
    );
    assert_eq!(act(&mut class.teacher, own, "r3")["role"], "member");
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
    let seq = post_to(
        &mut class.student.client,
        "general",
        "something unkind",
        "b1",
    );
    std::thread::sleep(Duration::from_millis(5));
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
