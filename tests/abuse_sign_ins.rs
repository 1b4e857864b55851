//! Rate limits on sign-ins and registrations that hold against a student with a script: a join
//! code guess costs a token and is logged, parallel guesses at one name are counted before any is
//! hashed, a wrong old password counts, all of loopback is one address, and a name no account
//! can have is refused before it can become a limiter's key.

mod common;

use std::io::{BufRead, BufReader};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::Stdio;
use std::sync::{Arc, Barrier};

use common::{
    Binary, Client, TempDir, TestServer, api, api_from, bearer, open_at, register, start_accounts,
    try_api,
};
use serde_json::{Value, json};

const PASSWORD: &str = "correct horse";

fn post(addr: SocketAddr, path: &str, body: Value, headers: &[(&str, &str)]) -> common::Reply {
    api(addr, "POST", path, Some(&body), headers)
}

fn sign_in(server: &TestServer, name: &str, password: &str) -> common::Reply {
    let body = json!({"name": name, "password": password});
    post(server.http_addr(), "/api/login", body, &[])
}

/// Joins the binary's chat with a session token; returns the client after its welcome.
fn join(server: &Binary, token: &str) -> Client {
    let auth = format!("Bearer {token}");
    let mut client = open_at(&server.ws, "/", &[("Authorization", &auth)]).expect("handshake");
    assert_eq!(client.recv()["type"], "welcome");
    client
}

// 40 wrong join codes: the first ones cost the address's tokens (--auth-rate, 30 a minute), the
// rest are refused 429, and the wrong codes are logged without the code. Before, all 40 were
// tried, and none was logged. Two students keep chatting meanwhile.
#[test]
fn join_code_guesses_cost_a_token_and_are_logged() {
    let server = Binary::accounts(TempDir::new(), &["--join-code", "maths-7b"], Stdio::piped());
    let http: SocketAddr = server.http.parse().unwrap();
    let mut tokens = ["alice", "bob"].map(|name| {
        let body = json!({"name": name, "password": PASSWORD, "join_code": "maths-7b"});
        let reply = post(http, "/api/register", body, &[]);
        assert_eq!(reply.status, 201, "{reply:?}");
        reply.body["token"].as_str().unwrap().to_owned()
    });
    let [mut alice, mut bob] = tokens.each_mut().map(|token| join(&server, token));
    let statuses: Vec<u16> = (0..40)
        .map(|i| {
            let body =
                json!({"name": "mallory", "password": PASSWORD, "join_code": format!("guess-{i}")});
            post(http, "/api/register", body, &[]).status
        })
        .collect();
    let refused = statuses.iter().filter(|&&s| s == 403).count();
    let limited = statuses.iter().filter(|&&s| s == 429).count();
    assert_eq!((refused, limited), (28, 12), "{statuses:?}");
    alice.say("still here?", "a1");
    assert_eq!(bob.recv_type("message")["text"], "still here?");
    let stderr = server_stderr(server);
    assert!(
        stderr.iter().any(|l| l.contains("wrong join code")),
        "{stderr:?}"
    );
    assert!(
        !stderr.iter().any(|l| l.contains("guess-")),
        "a code was logged"
    );
}

/// The binary's log once it has been stopped.
fn server_stderr(mut server: Binary) -> Vec<String> {
    let stderr = server.child.stderr.take().expect("stderr is piped");
    let _ = server.child.kill();
    let _ = server.child.wait();
    BufReader::new(stderr)
        .lines()
        .map_while(Result::ok)
        .collect()
}

// 16 wrong passwords for one name sent at once: at most 5 (the name's budget) reach the hasher,
// the rest are refused 429 at once. Before, the name's bucket was only checked, so all 16 went
// by while the first was still being hashed.
#[test]
fn parallel_guesses_at_one_name_are_counted_before_hashing() {
    let server = start_accounts(|c| c.accounts.auth_rate = 1000);
    register(&server, "alice", PASSWORD);
    let addr = server.http_addr();
    let start = Arc::new(Barrier::new(16));
    let guesses: Vec<_> = (0..16)
        .map(|i| {
            let start = start.clone();
            std::thread::spawn(move || {
                let body = json!({"name": "alice", "password": format!("guess {i:04}")});
                start.wait();
                try_api(addr, "POST", "/api/login", Some(&body), &[]).map(|r| r.status)
            })
        })
        .collect();
    let statuses: Vec<u16> = guesses
        .into_iter()
        .map(|guess| guess.join().unwrap().expect("an answer"))
        .collect();
    let wrong = statuses.iter().filter(|&&s| s == 401).count();
    let limited = statuses.iter().filter(|&&s| s == 429).count();
    assert!(wrong <= 5 && wrong + limited == 16, "{statuses:?}");
    assert_eq!(
        sign_in(&server, "alice", PASSWORD).status,
        429,
        "still limited"
    );
    register(&server, "bob", PASSWORD);
    assert_eq!(
        sign_in(&server, "bob", PASSWORD).status,
        200,
        "another name"
    );
}

// A wrong old password on /api/password counts against the name as a wrong sign-in does.
// Before, a stolen session could guess the password at will.
#[test]
fn wrong_old_passwords_count_against_the_name() {
    let server = start_accounts(|c| c.accounts.auth_rate = 1000);
    let token = register(&server, "alice", PASSWORD);
    let (name, value) = bearer(&token);
    let change = |old: &str| {
        let body = json!({"old": old, "new": "a new password"});
        post(server.http_addr(), "/api/password", body, &[(name, &value)])
    };
    for i in 0..5 {
        assert_eq!(change(&format!("guess {i:04}")).status, 401);
    }
    let limited = change("guess 9999");
    assert_eq!((limited.status, limited.error()), (429, "rate_limited"));
    assert!(limited.header("retry-after").is_some());
    assert_eq!(sign_in(&server, "alice", PASSWORD).status, 429, "same name");
}

// Right passwords give their token back: the owner signs in from many devices, never held up.
#[test]
fn right_passwords_cost_the_name_nothing() {
    let server = start_accounts(|c| c.accounts.auth_rate = 1000);
    register(&server, "alice", PASSWORD);
    for _ in 0..8 {
        assert_eq!(sign_in(&server, "alice", PASSWORD).status, 200);
    }
}

// Every address in 127.0.0.0/8 is one client address: 127.0.0.2 shares 127.0.0.1's bucket.
// Before, each counted as its own, so a local script took a new address per attempt.
#[test]
fn all_of_loopback_is_one_address() {
    let server = start_accounts(|c| c.accounts.auth_rate = 3);
    for i in 0..3 {
        register(&server, &format!("user{i}"), PASSWORD);
    }
    let other = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));
    let body = json!({"name": "user3", "password": PASSWORD});
    let reply = api_from(
        other,
        server.http_addr(),
        "POST",
        "/api/register",
        Some(&body),
    );
    assert_eq!(
        (reply.status, reply.error()),
        (429, "rate_limited"),
        "{reply:?}"
    );
}

// A sign-in name that breaks the name rules is refused 400 before any limit is counted: a
// 15,000-character name never becomes a key, and costs the address nothing. Before, it was
// hashed and counted (401).
#[test]
fn a_name_outside_the_rules_is_refused_before_any_limit() {
    let server = start_accounts(|c| c.accounts.auth_rate = 3);
    register(&server, "alice", PASSWORD);
    for name in ["a".repeat(15_000), "al ice".into(), String::new()] {
        let reply = sign_in(&server, &name, PASSWORD);
        assert_eq!((reply.status, reply.error()), (400, "bad_request"));
    }
    let reply = sign_in(&server, "alice", PASSWORD);
    assert_eq!(
        reply.status, 200,
        "the address's budget is untouched: {reply:?}"
    );
}
