//! Accounts on the WebSocket side: only a live session reaches the chat, one account may be open in
//! several connections at once, and a session that ends closes exactly its own connections.

mod common;

use std::time::Duration;

use common::{
    Client, TempDir, TestServer, api, bearer, login, open, register, sign_out, start_accounts,
    start_in,
};
use serde_json::json;

const PASSWORD: &str = "correct horse";

/// Opens a WebSocket with these headers and expects the refusal the page shows: one `error` frame
/// with `code`, then Close 1008.
fn refused(server: &TestServer, path: &str, headers: &[(&str, &str)], code: &str) {
    let mut client = open(server, path, headers).expect("the upgrade itself succeeds");
    let error = client.recv();
    assert_eq!(
        (error["type"].as_str(), error["code"].as_str()),
        (Some("error"), Some(code))
    );
    assert_eq!(client.closed().map(|f| u16::from(f.code)), Some(1008));
}

/// Waits for an `error` frame with `code`, then Close 1008 with a reason containing `reason`.
fn closed_for(client: &mut Client, code: &str, reason: &str) {
    let error = client.recv_type("error");
    assert_eq!(error["code"], code, "{error}");
    let close = client.closed().expect("a Close frame");
    assert_eq!(u16::from(close.code), 1008);
    assert!(close.reason.contains(reason), "{:?}", close.reason);
}

// A session token, by cookie or bearer header, joins the chat as its owner; `?name=` is ignored.
#[test]
fn a_session_joins_as_its_owner() {
    let server = start_accounts(|_| {});
    let token = register(&server, "Alice", PASSWORD);
    let cookie = format!("threadchat_session={token}");
    let mut by_cookie = open(&server, "/?name=mallory", &[("Cookie", &cookie)]).unwrap();
    assert_eq!(by_cookie.recv()["you"], "Alice");
    let (_, welcome) = Client::join_as(&server, &token);
    assert_eq!(welcome["you"], "Alice");
}

// A new account joins `general`: its members hear `joined`, and the newcomer's welcome says so.
#[test]
fn a_new_account_is_announced_in_general() {
    let server = start_accounts(|_| {});
    let token = register(&server, "alice", PASSWORD);
    let (mut alice, _) = Client::join_as(&server, &token);
    let bob = register(&server, "Bob", PASSWORD);
    let joined = alice.recv_type("joined");
    assert_eq!(
        (joined["room"].as_str(), joined["user"].as_str()),
        (Some("general"), Some("Bob"))
    );
    let (_, welcome) = Client::join_as(&server, &bob);
    assert_eq!(welcome["rooms"], json!(["general"]));
}

// No token, a malformed or forged one, and a signed-out one are refused before any chat frame.
#[test]
fn without_a_live_session_nobody_gets_in() {
    let server = start_accounts(|_| {});
    refused(&server, "/?name=alice", &[], "unauthenticated");
    refused(
        &server,
        "/",
        &[("Authorization", "Bearer nonsense")],
        "unauthenticated",
    );
    let forged = format!("threadchat_session={}", "ab".repeat(32));
    refused(&server, "/", &[("Cookie", &forged)], "unauthenticated");
    let token = register(&server, "alice", PASSWORD);
    assert_eq!(sign_out(&server, &token), 204);
    let (name, value) = bearer(&token);
    refused(&server, "/", &[(name, &value)], "unauthenticated");
}

// A session unused for --session-expiry closes its silent connection, and then no longer opens
// the chat or the API. (Checking it any other way would use it, and so keep it alive.)
#[test]
fn an_expired_session_is_closed_and_refused() {
    let server = start_accounts(|c| c.accounts.session_expiry = Duration::from_millis(1500));
    let token = register(&server, "alice", PASSWORD);
    let (mut tab, _) = Client::join_as(&server, &token);
    // closed_for reads with the harness deadline (5 s); the store sweeps when the session expires.
    closed_for(&mut tab, "unauthenticated", "expired");
    let (name, value) = bearer(&token);
    refused(&server, "/", &[(name, &value)], "unauthenticated");
    let me = api(
        server.http_addr(),
        "GET",
        "/api/me",
        None,
        &[(name, &value)],
    );
    assert_eq!(me.status, 401);
}

// A foreign page cannot open the chat with the user's cookie (cross-site WebSocket hijacking).
#[test]
fn a_foreign_origin_is_refused_even_with_a_cookie() {
    let server = start_accounts(|_| {});
    let cookie = format!(
        "threadchat_session={}",
        register(&server, "alice", PASSWORD)
    );
    let headers = [
        ("Cookie", cookie.as_str()),
        ("Origin", "http://evil.example"),
    ];
    match open(&server, "/", &headers) {
        Err(tungstenite::Error::Http(response)) => assert_eq!(response.status(), 403),
        _ => panic!("a foreign page got in"),
    }
}

// One account in three connections: it is online once, `joined` comes with the first and `left`
// with the last, and every message reaches each of the three.
#[test]
fn one_account_in_three_connections() {
    let server = start_accounts(|_| {});
    let alice = register(&server, "alice", PASSWORD);
    let bob = register(&server, "bob", PASSWORD);
    let (mut watcher, _) = Client::join_as(&server, &bob);
    let mut tabs: Vec<Client> = (0..3).map(|_| Client::join_as(&server, &alice).0).collect();
    assert_eq!(watcher.recv_presence(true)["user"], "alice");
    let (mut last, _) = Client::join_as(&server, &alice);
    let members = last.ask(json!({"type": "members", "room": "general"}), "members");
    assert_eq!(
        members["members"],
        json!([{"user": "alice", "online": true}, {"user": "bob", "online": true}]),
        "alice is listed once"
    );
    watcher.say("hello alice", "w1");
    for tab in tabs.iter_mut().chain([&mut last]) {
        assert_eq!(tab.recv_type("message")["text"], "hello alice");
    }
    assert_eq!(watcher.recv_type("message")["id"], "w1");
    drop(tabs);
    drop(last);
    let next = watcher.recv();
    assert_eq!(
        (
            next["type"].as_str(),
            next["user"].as_str(),
            next["online"].as_bool()
        ),
        (Some("presence"), Some("alice"), Some(false)),
        "one presence offline, nothing between: {next}"
    );
}

// Signing out closes exactly that session's connections, with a reason the page can show.
#[test]
fn signing_out_closes_that_sessions_connections() {
    let server = start_accounts(|_| {});
    let laptop = register(&server, "alice", PASSWORD);
    let phone = login(&server, "alice", PASSWORD);
    let mut laptop_tabs: Vec<Client> = (0..2)
        .map(|_| Client::join_as(&server, &laptop).0)
        .collect();
    let (mut phone_tab, _) = Client::join_as(&server, &phone);
    assert_eq!(sign_out(&server, &laptop), 204);
    for tab in &mut laptop_tabs {
        closed_for(tab, "unauthenticated", "signed out");
    }
    phone_tab.say("still here", "p1");
    assert_eq!(phone_tab.recv_type("message")["id"], "p1");
}

// A password change closes the account's other sessions' connections, not the changer's.
#[test]
fn a_password_change_closes_the_other_sessions() {
    let server = start_accounts(|_| {});
    let here = register(&server, "alice", PASSWORD);
    let there = login(&server, "alice", PASSWORD);
    let (mut mine, _) = Client::join_as(&server, &here);
    let (mut theirs, _) = Client::join_as(&server, &there);
    let (name, value) = bearer(&here);
    let body = json!({"old": PASSWORD, "new": "a new password"});
    let reply = api(
        server.http_addr(),
        "POST",
        "/api/password",
        Some(&body),
        &[(name, &value)],
    );
    assert_eq!(reply.status, 204);
    closed_for(&mut theirs, "unauthenticated", "password was changed");
    mine.say("mine stays", "m1");
    assert_eq!(mine.recv_type("message")["id"], "m1");
}

// Accounts and unexpired sessions survive a restart on the same data directory.
#[test]
fn accounts_and_sessions_survive_a_restart() {
    let server = start_accounts(|_| {});
    let token = register(&server, "alice", PASSWORD);
    let data: TempDir = server.stop();
    let server = start_in(data, |_| {});
    let (_, welcome) = Client::join_as(&server, &token);
    assert_eq!(welcome["you"], "alice");
    login(&server, "alice", PASSWORD);
    let again = json!({"name": "ALICE", "password": PASSWORD});
    let reply = api(
        server.http_addr(),
        "POST",
        "/api/register",
        Some(&again),
        &[],
    );
    assert_eq!(reply.status, 409);
}

// Under --guests, a name that belongs to an account cannot be taken by a guest.
#[test]
fn guests_cannot_take_an_accounts_name() {
    let server = start_accounts(|_| {});
    register(&server, "alice", PASSWORD);
    let data = server.stop();
    let server = start_in(data, |c| c.accounts.guests = true);
    refused(&server, "/?name=Alice", &[], "name_taken");
    let (_, welcome) = Client::join(&server, "guest1");
    assert_eq!(welcome["you"], "guest1");
}
