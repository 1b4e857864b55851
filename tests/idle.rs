//! An idle server sleeps: the `store` thread wakes when a session really expires or a message
//! really ages out, not on a clock (before, it opened a write transaction and scanned every
//! session once a second, or every quarter of a short `--session-expiry`). What is due still
//! happens on time with nothing else going on. (A session expiring on a silent connection:
//! `tests/sessions.rs`, `an_expired_session_is_closed_and_refused`.)

mod common;

use std::process::Stdio;
use std::thread;
use std::time::{Duration, Instant};

use common::{Binary, Client, TempDir, TestServer, start, start_in, wait_up_to};
use serde_json::{Value, json};

/// How long the idle `store` thread is watched.
const IDLE: Duration = Duration::from_secs(3);

/// The store thread's voluntary switches over [`IDLE`] at most: a stray wake-up or two (a page
/// fault on its stack, the kernel's own), while a sweep every quarter of a 1 s expiry makes 12.
const MAX_IDLE_SWITCHES: u64 = 2;

/// A short expiry for the idle test: a clock-driven sweep would wake four times a second.
const SESSION_EXPIRY: &str = "1";

/// How long a message is kept in the retention tests.
const MAX_AGE: Duration = Duration::from_secs(3);

/// How late a sweep may come after its moment, in these tests.
const SLACK: Duration = Duration::from_secs(3);

// With no clients and nothing due, the store thread sleeps: at most two voluntary context
// switches in 3 s (read from /proc, of the real binary), even under a 1 s --session-expiry.
#[test]
fn an_idle_store_thread_sleeps() {
    let binary = Binary::accounts(
        TempDir::new(),
        &["--session-expiry", SESSION_EXPIRY],
        Stdio::null(),
    );
    // Past start-up (the first sweep reads what is due, here nothing).
    thread::sleep(Duration::from_millis(300));
    let before = binary.voluntary_switches("store");
    thread::sleep(IDLE);
    let woken = binary.voluntary_switches("store") - before;
    assert!(
        woken <= MAX_IDLE_SWITCHES,
        "the idle store thread switched {woken} times in {IDLE:?}"
    );
}

/// The seqs of the messages of `general`'s newest history page.
fn kept(client: &mut Client) -> Vec<u64> {
    let page = client.ask(json!({"type": "history", "room": "general"}), "history");
    let messages = page["messages"].as_array().cloned().unwrap_or_default();
    messages.iter().filter_map(|m| m["seq"].as_u64()).collect()
}

/// Says one message as `client`; returns its seq.
fn say_one(client: &mut Client) -> u64 {
    client.say("soon old", "c1");
    let frame: Value = client.recv_type("message");
    frame["seq"].as_u64().expect("a stored message has a seq")
}

/// Waits, reading only, until `general` is empty, within MAX_AGE + SLACK of `sent`; and checks
/// it was not emptied before MAX_AGE.
fn removed_on_time(server: &TestServer, sent: Instant) {
    let (mut reader, _) = Client::join(server, "reader");
    wait_up_to(MAX_AGE + SLACK, "the old message is removed", || {
        kept(&mut reader).is_empty()
    });
    assert!(sent.elapsed() >= MAX_AGE, "removed before it was old");
}

// A message older than the retention is removed on time by an otherwise idle server: the store
// wakes for it, with nothing else to wake it.
#[test]
fn an_old_message_is_removed_on_time() {
    let server = start(|c| c.history.max_age = MAX_AGE);
    let (mut alice, _) = Client::join(&server, "alice");
    let sent = Instant::now();
    let seq = say_one(&mut alice);
    assert_eq!(kept(&mut alice), [seq], "kept while young");
    removed_on_time(&server, sent);
}

// After a restart the store finds the oldest message's moment by itself: the message is still
// removed on time, with no new message to remind it.
#[test]
fn an_old_message_is_removed_on_time_after_a_restart() {
    let adjust = |c: &mut threadchat::config::Config| {
        c.accounts.guests = true;
        c.history.max_age = MAX_AGE;
    };
    let server = start(|c| c.history.max_age = MAX_AGE);
    let (mut alice, _) = Client::join(&server, "alice");
    let sent = Instant::now();
    let seq = say_one(&mut alice);
    drop(alice);
    let server = start_in(server.stop(), adjust);
    let (mut bob, _) = Client::join(&server, "bob");
    assert_eq!(kept(&mut bob), [seq], "kept across the restart while young");
    removed_on_time(&server, sent);
}
