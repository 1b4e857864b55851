//! The account API over real HTTP: registration, sign-in, sessions, sign-out, password changes,
//! and every refusal with its status and code.

mod common;

use std::time::{Duration, Instant};

use common::{TestServer, api, bearer, login, me, register, start, start_accounts};
use serde_json::{Value, json};

const PASSWORD: &str = "correct horse";

fn post(server: &TestServer, path: &str, body: Value, headers: &[(&str, &str)]) -> common::Reply {
    api(server.http_addr(), "POST", path, Some(&body), headers)
}

// Registration answers 201 with the name, a token, and an HttpOnly, SameSite=Strict cookie; the
// token (as a cookie or a bearer header) says who you are.
#[test]
fn registering_opens_a_session() {
    let server = start_accounts(|_| {});
    let body = json!({"name": "Alice", "password": PASSWORD});
    let reply = post(&server, "/api/register", body, &[]);
    assert_eq!(reply.status, 201, "{reply:?}");
    assert_eq!(reply.body["name"], "Alice");
    let token = reply.body["token"].as_str().unwrap();
    assert_eq!(token.len(), 64);
    let cookie = reply.header("set-cookie").unwrap();
    assert!(
        cookie.starts_with(&format!("threadchat_session={token};")),
        "{cookie}"
    );
    for part in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=604800"] {
        assert!(cookie.contains(part), "{cookie} lacks {part}");
    }
    assert_eq!(me(&server, token).body["name"], "Alice");
    let cookie_header = format!("threadchat_session={token}");
    let by_cookie = api(
        server.http_addr(),
        "GET",
        "/api/me",
        None,
        &[("Cookie", &cookie_header)],
    );
    assert_eq!(by_cookie.body["name"], "Alice");
    let nobody = api(server.http_addr(), "GET", "/api/me", None, &[]);
    assert_eq!((nobody.status, nobody.error()), (401, "unauthenticated"));
}

// Names follow the chat's rules and are unique ignoring case; passwords are 8 to 128 characters.
#[test]
fn names_and_passwords_follow_the_rules() {
    let server = start_accounts(|_| {});
    register(&server, "alice", PASSWORD);
    let taken = post(
        &server,
        "/api/register",
        json!({"name": "ALICE", "password": PASSWORD}),
        &[],
    );
    assert_eq!((taken.status, taken.error()), (409, "name_taken"));
    for name in ["", "al ice", "a.b", &"a".repeat(33), "<b>"] {
        let reply = post(
            &server,
            "/api/register",
            json!({"name": name, "password": PASSWORD}),
            &[],
        );
        assert_eq!(
            (reply.status, reply.error()),
            (400, "bad_request"),
            "{name:?}"
        );
    }
    for (password, status) in [
        ("1234567", 400),
        (&"x".repeat(129) as &str, 400),
        ("12345678", 201),
    ] {
        let body = json!({"name": format!("p{status}{}", password.len()), "password": password});
        assert_eq!(
            post(&server, "/api/register", body, &[]).status,
            status,
            "{password:?}"
        );
    }
    let long = json!({"name": "longpw", "password": "é".repeat(128)});
    assert_eq!(
        post(&server, "/api/register", long, &[]).status,
        201,
        "characters, not bytes"
    );
}

// A wrong password and an unknown name get the same answer, and both spend a hash on it.
#[test]
fn bad_credentials_say_nothing_about_the_name() {
    let server = start_accounts(|_| {});
    register(&server, "alice", PASSWORD);
    let token = login(&server, "Alice", PASSWORD);
    assert_eq!(me(&server, &token).body["name"], "alice");
    let timed = |name: &str, password: &str| {
        let started = Instant::now();
        let reply = post(
            &server,
            "/api/login",
            json!({"name": name, "password": password}),
            &[],
        );
        (reply.status, reply.body.clone(), started.elapsed())
    };
    let (status, wrong, _) = timed("alice", "wrong password");
    let (status2, unknown, took) = timed("nobody", PASSWORD);
    assert_eq!((status, status2), (401, 401));
    assert_eq!(wrong, unknown, "the same answer");
    assert_eq!(wrong["error"], "bad_credentials");
    // An Argon2 hash takes ~16 ms; answering an unknown name without one would take ~0.2 ms.
    assert!(
        took >= Duration::from_millis(5),
        "no hash was spent: {took:?}"
    );
}

// Signing out ends the session (the token stops working) and clears the cookie.
#[test]
fn signing_out_ends_the_session() {
    let server = start_accounts(|_| {});
    let token = register(&server, "alice", PASSWORD);
    let other = login(&server, "alice", PASSWORD);
    let (name, value) = bearer(&token);
    let reply = post(&server, "/api/logout", json!({}), &[(name, &value)]);
    assert_eq!(reply.status, 204);
    assert!(reply.header("set-cookie").unwrap().contains("Max-Age=0"));
    assert_eq!(me(&server, &token).status, 401);
    assert_eq!(me(&server, &other).status, 200, "only that session ended");
    let again = post(&server, "/api/logout", json!({}), &[(name, &value)]);
    assert_eq!(again.status, 204, "signing out twice is not an error");
}

// Changing the password needs the old one, follows the rules, and ends every other session.
#[test]
fn changing_the_password_signs_out_the_other_sessions() {
    let server = start_accounts(|_| {});
    let here = register(&server, "alice", PASSWORD);
    let elsewhere = login(&server, "alice", PASSWORD);
    let (name, value) = bearer(&here);
    let auth = [(name, value.as_str())];
    let wrong = post(
        &server,
        "/api/password",
        json!({"old": "nope nope", "new": "new password"}),
        &auth,
    );
    assert_eq!((wrong.status, wrong.error()), (401, "bad_credentials"));
    let short = post(
        &server,
        "/api/password",
        json!({"old": PASSWORD, "new": "short"}),
        &auth,
    );
    assert_eq!((short.status, short.error()), (400, "bad_request"));
    let nobody = post(
        &server,
        "/api/password",
        json!({"old": PASSWORD, "new": "new password"}),
        &[],
    );
    assert_eq!((nobody.status, nobody.error()), (401, "unauthenticated"));
    let done = post(
        &server,
        "/api/password",
        json!({"old": PASSWORD, "new": "new password"}),
        &auth,
    );
    assert_eq!(done.status, 204, "{done:?}");
    assert_eq!(me(&server, &here).status, 200, "this session stays");
    assert_eq!(me(&server, &elsewhere).status, 401, "the other one ended");
    let old = post(
        &server,
        "/api/login",
        json!({"name": "alice", "password": PASSWORD}),
        &[],
    );
    assert_eq!(old.status, 401);
    login(&server, "alice", "new password");
}

// Requests from another site's page, or not in JSON, are refused; unknown paths and methods too.
#[test]
fn foreign_origins_and_other_content_types_are_refused() {
    let server = start_accounts(|_| {});
    let body = json!({"name": "mallory", "password": PASSWORD});
    let foreign = post(
        &server,
        "/api/register",
        body.clone(),
        &[("Origin", "http://evil.example")],
    );
    assert_eq!((foreign.status, foreign.error()), (403, "forbidden"));
    let own = format!("http://127.0.0.1:{}", server.http_addr().port());
    assert_eq!(
        post(&server, "/api/register", body, &[("Origin", &own)]).status,
        201
    );
    let form = api(
        server.http_addr(),
        "POST",
        "/api/login",
        None,
        &[("Content-Type", "application/x-www-form-urlencoded")],
    );
    assert_eq!((form.status, form.error()), (400, "bad_request"));
    let not_json = post(&server, "/api/login", json!([1, 2]), &[]);
    assert_eq!((not_json.status, not_json.error()), (400, "bad_request"));
    let missing = post(&server, "/api/login", json!({"name": "mallory"}), &[]);
    assert_eq!((missing.status, missing.error()), (400, "bad_request"));
    let get = api(server.http_addr(), "GET", "/api/login", None, &[]);
    assert_eq!((get.status, get.error()), (405, "method_not_allowed"));
    let nowhere = api(server.http_addr(), "GET", "/api/nowhere", None, &[]);
    assert_eq!((nowhere.status, nowhere.error()), (404, "not_found"));
    let huge = json!({"name": "x", "password": "y".repeat(20_000)});
    let too_large = post(&server, "/api/register", huge, &[]);
    assert_eq!((too_large.status, too_large.error()), (413, "too_large"));
}

// With --join-code, registration needs the code, and the page is told so.
#[test]
fn a_join_code_keeps_strangers_out() {
    let server = start_accounts(|c| c.accounts.join_code = Some("maths-7b".into()));
    let info = api(server.http_addr(), "GET", "/api/info", None, &[]);
    assert_eq!(
        (
            info.body["accounts"].clone(),
            info.body["join_code"].clone()
        ),
        (json!(true), json!(true))
    );
    for code in [None, Some("maths-7c"), Some("")] {
        let mut body = json!({"name": "stranger", "password": PASSWORD});
        if let Some(code) = code {
            body["join_code"] = json!(code);
        }
        let reply = post(&server, "/api/register", body, &[]);
        assert_eq!(
            (reply.status, reply.error()),
            (403, "bad_join_code"),
            "{code:?}"
        );
    }
    let body = json!({"name": "pupil", "password": PASSWORD, "join_code": "maths-7b"});
    assert_eq!(post(&server, "/api/register", body, &[]).status, 201);
}

// Under --guests there are no accounts, and the page is told so.
#[test]
fn guests_mode_has_no_accounts() {
    let server = start(|_| {});
    let info = api(server.http_addr(), "GET", "/api/info", None, &[]);
    assert_eq!(info.body["accounts"], false);
    assert_eq!(info.body["join_code"], false);
    let reply = post(
        &server,
        "/api/register",
        json!({"name": "a", "password": PASSWORD}),
        &[],
    );
    assert_eq!((reply.status, reply.error()), (404, "not_found"));
}

// Failed sign-ins on one name are limited (5 a minute), from any address: 429 with Retry-After.
#[test]
fn failed_sign_ins_on_a_name_are_rate_limited() {
    let server = start_accounts(|_| {});
    register(&server, "alice", PASSWORD);
    let attempt = || {
        post(
            &server,
            "/api/login",
            json!({"name": "alice", "password": "guess guess"}),
            &[],
        )
    };
    for _ in 0..5 {
        assert_eq!(attempt().status, 401);
    }
    let limited = attempt();
    assert_eq!((limited.status, limited.error()), (429, "rate_limited"));
    let wait: u64 = limited.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=12).contains(&wait), "Retry-After: {wait}");
    let right = post(
        &server,
        "/api/login",
        json!({"name": "alice", "password": PASSWORD}),
        &[],
    );
    assert_eq!(
        right.status, 429,
        "while limited, even the right password waits"
    );
    register(&server, "bob", PASSWORD);
}

// Attempts from one address are limited (--auth-rate a minute), whatever the names.
#[test]
fn attempts_from_one_address_are_rate_limited() {
    let server = start_accounts(|c| c.accounts.auth_rate = 3);
    for i in 0..3 {
        let body = json!({"name": format!("user{i}"), "password": PASSWORD});
        assert_eq!(post(&server, "/api/register", body, &[]).status, 201);
    }
    let body = json!({"name": "user3", "password": PASSWORD});
    let limited = post(&server, "/api/register", body, &[]);
    assert_eq!((limited.status, limited.error()), (429, "rate_limited"));
    assert!(limited.header("retry-after").is_some());
}
