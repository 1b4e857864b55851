//! Teacher tools in the chat, on people: roles decide who may moderate whom; mutes silence a
//! student who still reads; the last owner stays. Three accounts throughout: an owner (the
//! teacher, made through the setup link), a moderator and a member.

mod common;

use std::time::Duration;

use common::{
    Client, act, class, post_to, recv_about, refused, say, start_accounts, start_in, unpaced,
    wait_until,
};
use serde_json::{Value, json};

/// A server for a class: unpaced, so that the tests' bursts are not what is refused.
fn server() -> common::TestServer {
    start_accounts(unpaced)
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
