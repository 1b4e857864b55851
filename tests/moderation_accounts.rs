//! Teacher tools on accounts: the first owner comes from the console's one-time setup link (or
//! `--owner`), a suspension closes a student's every tab and bars their sign-in, a reset code gets
//! a locked-out student back in once, and the owner opens, codes or closes registration, which a
//! restart keeps. Guests have no roles at all.

mod common;

use std::time::Duration;

use common::{
    Client, PASSWORD, act, class, connect, login, post, register, register_owner, start,
    start_accounts, start_in, try_register, unpaced, wait_until,
};
use serde_json::json;

// The setup link makes one owner, once; a wrong or spent code is 403 `bad_setup_code`; a server
// with an owner prints none, and one without makes a new code at each start.
#[test]
fn the_setup_link_makes_the_first_owner_once() {
    let server = start_accounts(|_| {});
    let first = server.setup_code().expect("a code").to_owned();
    // A student who registers first does not become owner.
    let student = register(&server, "eager", PASSWORD);
    let (_, welcome) = Client::join_as(&server, &student);
    assert_eq!(welcome["role"], "member");
    let wrong = json!({"name": "teacher", "password": PASSWORD, "setup_code": "0123"});
    let reply = post(&server, "/api/register", wrong);
    assert_eq!((reply.status, reply.error()), (403, "bad_setup_code"));
    // Signing in through it makes an existing account the owner, and spends it.
    register(&server, "teacher", PASSWORD);
    let body = json!({"name": "teacher", "password": PASSWORD, "setup_code": first});
    let reply = post(&server, "/api/login", body);
    assert_eq!(reply.status, 200, "{reply:?}");
    let token = reply.body["token"].as_str().expect("a token").to_owned();
    let (_, welcome) = Client::join_as(&server, &token);
    assert_eq!(welcome["role"], "owner");
    let again = json!({"name": "other", "password": PASSWORD, "setup_code": first});
    let reply = post(&server, "/api/register", again);
    assert_eq!((reply.status, reply.error()), (403, "bad_setup_code"));
    let server = start_in(server.stop(), |_| {});
    assert_eq!(server.setup_code(), None, "an owner exists");
    // A store with no owner: each start has its own code, the last one dead.
    let server = start_accounts(|_| {});
    let old = server.setup_code().expect("a code").to_owned();
    let server = start_in(server.stop(), |_| {});
    let new = server.setup_code().expect("a code").to_owned();
    assert_ne!(old, new);
    let stale = json!({"name": "teacher", "password": PASSWORD, "setup_code": old});
    assert_eq!(post(&server, "/api/register", stale).status, 403);
    register_owner(&server, "teacher");
}

// `--owner NAME` makes an existing account owner at start; an unknown name stops the start.
#[test]
fn owner_flag_promotes_an_existing_account() {
    let server = start_accounts(|_| {});
    let token = register(&server, "rivera", PASSWORD);
    let server = start_in(server.stop(), |c| c.accounts.owner = Some("Rivera".into()));
    assert_eq!(server.setup_code(), None);
    let (_, welcome) = Client::join_as(&server, &token);
    assert_eq!(welcome["role"], "owner");
    let data = server.stop();
    let mut config = threadchat::config::Config {
        data: data.path().to_owned(),
        http_addr: "127.0.0.1:0".parse().expect("an address"),
        ws_addr: "127.0.0.1:0".parse().expect("an address"),
        www: concat!(env!("CARGO_MANIFEST_DIR"), "/www").into(),
        ..Default::default()
    };
    config.accounts.owner = Some("nobody".into());
    let error = threadchat::Server::start(config).err().expect("refused");
    assert!(error.to_string().contains("--owner nobody"), "{error}");
}

// A suspension closes every tab of the student, each told `suspended` then Close 1008, and no
// one else's; their sign-in is refused until they are unsuspended. With `delete_messages` all
// they sent is deleted, as deletion events.
#[test]
fn a_suspension_closes_every_tab_and_bars_the_sign_in() {
    let server = start_accounts(unpaced);
    let mut class = class(&server);
    let seq = common::post_to(&mut class.student.client, "general", "spam", "s1");
    let mut second = connect(&server, &class.student.token);
    let suspend = json!({"type": "suspend", "user": "bob", "delete_messages": true});
    let answer = act(&mut class.moderator, suspend, "sus");
    assert_eq!(
        (&answer["type"], &answer["by"], &answer["delete_messages"]),
        (&json!("suspend"), &json!("marta"), &json!(true))
    );
    for tab in [&mut class.student.client, &mut second.client] {
        assert_eq!(tab.recv_type("error")["code"], "suspended");
        let close = tab.closed().expect("a Close frame");
        assert_eq!(u16::from(close.code), 1008);
    }
    while class.teacher.client.recv_type("deleted")["target"] != seq {}
    let body = json!({"name": "bob", "password": PASSWORD});
    let reply = post(&server, "/api/login", body.clone());
    assert_eq!((reply.status, reply.error()), (403, "suspended"));
    let auth = format!("Bearer {}", class.student.token);
    let mut old = common::open(&server, "/", &[("Authorization", &auth)]).expect("handshake");
    assert_eq!(
        old.recv_type("error")["code"],
        "unauthenticated",
        "the session ended"
    );
    let back = act(
        &mut class.teacher,
        json!({"type": "unsuspend", "user": "bob"}),
        "u",
    );
    assert_eq!(back["type"], "unsuspend");
    login(&server, "bob", PASSWORD);
}

// A reset code works once: it sets a new password, opens a session (201) and ends every other;
// a wrong, used or expired code is 400 `bad_reset_code`.
#[test]
fn a_reset_code_gets_a_student_back_in_once() {
    let server = start_accounts(|config| {
        unpaced(config);
        config.limits.reset_code_valid = Duration::from_millis(400);
    });
    let mut class = class(&server);
    let answer = act(
        &mut class.moderator,
        json!({"type": "reset_code", "user": "bob"}),
        "r",
    );
    assert_eq!(answer["type"], "reset_code", "{answer}");
    let code = answer["code"].as_str().expect("a code").to_owned();
    assert!(answer["expires"].as_u64() > Some(0));
    let reset = |code: &str| {
        let body = json!({"name": "bob", "code": code, "password": "a new password"});
        post(&server, "/api/reset", body)
    };
    let reply = reset("aaaa-bbbb-cccc");
    assert_eq!((reply.status, reply.error()), (400, "bad_reset_code"));
    let reply = reset(&code.to_uppercase());
    assert_eq!(reply.status, 201, "{reply:?}");
    assert!(reply.body["token"].is_string());
    assert_eq!(
        class.student.client.recv_type("error")["code"],
        "unauthenticated"
    );
    assert_eq!(reset(&code).error(), "bad_reset_code", "used once");
    login(&server, "bob", "a new password");
    let answer = act(
        &mut class.teacher,
        json!({"type": "reset_code", "user": "bob"}),
        "r2",
    );
    let code = answer["code"].as_str().expect("a code").to_owned();
    let expires = answer["expires"].as_u64().expect("expires");
    wait_until("the code expires", || {
        threadchat::log::now_ms() > expires + 10
    });
    assert_eq!(reset(&code).error(), "bad_reset_code", "expired");
}

// The owner opens registration, gives it a code, or closes it; a restart keeps the setting, and
// `/api/info` says it. `--join-code` is only a new store's start.
#[test]
fn registration_is_the_owners_and_survives_a_restart() {
    let server = start_accounts(|c| c.accounts.join_code = Some("maths-7b".into()));
    let info = common::api(server.http_addr(), "GET", "/api/info", None, &[]);
    assert_eq!(
        (&info.body["registration"], &info.body["join_code"]),
        (&json!("code"), &json!(true))
    );
    // The setup link needs no join code.
    let token = register_owner(&server, "teacher");
    let mut teacher = connect(&server, &token);
    let closed = act(
        &mut teacher,
        json!({"type": "registration", "mode": "closed"}),
        "c",
    );
    assert_eq!(
        (&closed["mode"], &closed["by"]),
        (&json!("closed"), &json!("teacher"))
    );
    let reply = try_register(&server, "late", PASSWORD);
    assert_eq!((reply.status, reply.error()), (403, "registration_closed"));
    drop(teacher);
    let server = start_in(server.stop(), |_| {});
    let info = common::api(server.http_addr(), "GET", "/api/info", None, &[]);
    assert_eq!(info.body["registration"], "closed");
    assert_eq!(try_register(&server, "late", PASSWORD).status, 403);
    let mut teacher = connect(&server, &token);
    let code = json!({"type": "registration", "mode": "code", "join_code": "art-2"});
    assert_eq!(act(&mut teacher, code, "k")["join_code"], "art-2");
    let body = json!({"name": "late", "password": PASSWORD, "join_code": "maths-7b"});
    assert_eq!(
        post(&server, "/api/register", body).error(),
        "bad_join_code"
    );
    let body = json!({"name": "late", "password": PASSWORD, "join_code": "art-2"});
    assert_eq!(post(&server, "/api/register", body).status, 201);
    act(
        &mut teacher,
        json!({"type": "registration", "mode": "open"}),
        "o",
    );
    register(&server, "later", PASSWORD);
}

// Under --guests there are no roles: no setup link, and every moderation frame is forbidden.
#[test]
fn guests_have_no_roles() {
    let server = start(|_| {});
    assert_eq!(server.setup_code(), None);
    let (mut guest, welcome) = Client::join(&server, "ann");
    assert!(welcome.get("role").is_none(), "{welcome}");
    let frame = json!({"type": "connections", "id": "c"});
    let reply = common::answer(&mut guest, frame);
    assert_eq!(reply["code"], "forbidden");
}
