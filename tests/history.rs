//! Durable history: pages of a conversation, catching up after a reconnect with no gap and no
//! duplicate, retries recognised by their id, and retention.

mod common;

use std::time::Duration;

use common::{
    Client, TestServer, open, register, start, start_accounts, start_in, unpaced, wait_up_to,
};
use serde_json::{Value, json};

const PASSWORD: &str = "correct horse";

/// Sends `n` messages to general as `client` and waits for each acknowledgement; their seqs.
fn say_many(client: &mut Client, prefix: &str, n: usize) -> Vec<u64> {
    for i in 0..n {
        client.say(&format!("{prefix} {i}"), &format!("{prefix}-{i}"));
    }
    let mut seqs = Vec::new();
    while seqs.len() < n {
        let frame = client.recv_type("message");
        if frame["id"]
            .as_str()
            .is_some_and(|id| id.starts_with(prefix))
        {
            seqs.push(frame["seq"].as_u64().unwrap());
        }
    }
    seqs
}

fn history(client: &mut Client, frame: Value) -> Value {
    client.send_json(frame);
    client.recv_type("history")
}

fn seqs(page: &Value) -> Vec<u64> {
    page["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["seq"].as_u64().unwrap())
        .collect()
}

/// Joins as the guest `name` with `?since=SEQ`; returns the client after its welcome.
fn rejoin(server: &TestServer, name: &str, since: u64) -> Client {
    let mut client = open(server, &format!("/?name={name}&since={since}"), &[]).unwrap();
    assert_eq!(client.recv()["type"], "welcome");
    client
}

/// Reads a replay to its `caught_up`; the message seqs on the way, and the `caught_up` frame.
fn replay(client: &mut Client) -> (Vec<u64>, Value) {
    let mut seen = Vec::new();
    loop {
        let frame = client.recv();
        match frame["type"].as_str() {
            Some("message") => seen.push(frame["seq"].as_u64().unwrap()),
            Some("caught_up") => return (seen, frame),
            _ => {}
        }
    }
}

// A conversation's history comes in pages, newest first, each in seq order: 50 by default, at
// most 200, older ones on request with `before`, and `more` until the start.
#[test]
fn history_comes_in_pages() {
    let server = start(unpaced);
    let (mut alice, _) = Client::join(&server, "alice");
    let sent = say_many(&mut alice, "h", 120);
    let newest = history(&mut alice, json!({"type": "history", "room": "general"}));
    assert_eq!(newest["room"], "general");
    assert_eq!(seqs(&newest), sent[70..]);
    assert_eq!(newest["more"], true);
    assert_eq!(newest["messages"][0]["text"], "h 70");
    assert_eq!(
        newest["messages"][0]["id"], "h-70",
        "one's own messages carry their id"
    );
    let before = sent[70];
    let older = history(
        &mut alice,
        json!({"type": "history", "room": "general", "before": before, "limit": 60}),
    );
    assert_eq!(seqs(&older), sent[10..70]);
    let oldest = history(
        &mut alice,
        json!({"type": "history", "room": "general", "before": sent[10], "limit": 500}),
    );
    assert_eq!(seqs(&oldest), sent[..10]);
    assert_eq!(oldest["more"], false);
    let (mut bob, _) = Client::join(&server, "bob");
    let theirs = history(
        &mut bob,
        json!({"type": "history", "room": "general", "limit": 1}),
    );
    assert_eq!(theirs["messages"][0]["text"], "h 119");
    assert!(
        theirs["messages"][0].get("id").is_none(),
        "others' ids are not shown"
    );
}

// History is only for members, and a private conversation's only for its two users.
#[test]
fn history_is_for_those_who_may_see_it() {
    let server = start_accounts(unpaced);
    let alice = register(&server, "alice", PASSWORD);
    let bob = register(&server, "bob", PASSWORD);
    let carol = register(&server, "carol", PASSWORD);
    let (mut a, _) = Client::join_as(&server, &alice);
    a.send_json(json!({"type": "dm", "to": "bob", "text": "ours", "id": "1"}));
    a.recv_type("message");
    a.send_json(json!({"type": "create", "room": "secret"}));
    a.recv_type("joined");
    let (mut c, _) = Client::join_as(&server, &carol);
    c.send_json(json!({"type": "history", "room": "secret"}));
    assert_eq!(c.recv_type("error")["code"], "not_a_member");
    let with_bob = history(&mut c, json!({"type": "history", "with": "bob"}));
    assert_eq!(
        with_bob["messages"],
        json!([]),
        "carol and bob have no conversation"
    );
    let (mut b, _) = Client::join_as(&server, &bob);
    let with_alice = history(&mut b, json!({"type": "history", "with": "alice"}));
    assert_eq!(with_alice["messages"][0]["text"], "ours");
}

// A client that reconnects with `since` gets every message after it that it may see, in seq
// order, once each, then `caught_up`, then live traffic.
#[test]
fn a_reconnect_catches_up_exactly() {
    let server = start(unpaced);
    let (mut alice, _) = Client::join(&server, "alice");
    let (mut bob, _) = Client::join(&server, "bob");
    let before = say_many(&mut alice, "a", 5);
    let last_seen = *before.last().unwrap();
    drop(bob);
    alice.recv_presence(false);
    alice.send_json(json!({"type": "create", "room": "elsewhere"}));
    alice.recv_type("joined");
    alice.send_json(json!({"type": "send", "room": "elsewhere", "text": "not for bob", "id": "x"}));
    alice.recv_type("message");
    let missed = say_many(&mut alice, "m", 30);
    bob = rejoin(&server, "bob", last_seen);
    let (replayed, caught_up) = replay(&mut bob);
    assert_eq!(replayed, missed, "exactly what bob may see, in order");
    assert_eq!(caught_up["seq"].as_u64(), missed.last().copied());
    assert!(caught_up.get("truncated").is_none());
    alice.say("live", "live");
    let live = bob.recv_type("message");
    assert_eq!(live["text"], "live");
}

// A replay of thousands of messages goes page by page as the socket drains: the client is never
// evicted as too slow, even with a small --max-backlog, and gets them all.
#[test]
fn a_long_replay_is_paged_and_never_evicts() {
    let server = start(|c| {
        unpaced(c);
        c.limits.max_backlog = 16 * 1024;
    });
    let (mut alice, _) = Client::join(&server, "alice");
    // In rounds, so that alice's own acknowledgements stay within her small backlog.
    let sent: Vec<u64> = (0..40)
        .flat_map(|round| say_many(&mut alice, &format!("p{round}"), 50))
        .collect();
    let mut bob = rejoin(&server, "bob", 0);
    let (replayed, caught_up) = replay(&mut bob);
    assert_eq!(replayed, sent);
    assert_eq!(caught_up["seq"].as_u64(), sent.last().copied());
}

// Messages sent while a client is catching up reach it once: in the replay or live, never both,
// never neither.
#[test]
fn messages_during_a_replay_arrive_once() {
    let server = start(unpaced);
    let (mut alice, _) = Client::join(&server, "alice");
    let early = say_many(&mut alice, "e", 600);
    let mut bob = rejoin(&server, "bob", 0);
    let late = say_many(&mut alice, "l", 100);
    let (mut replayed, _) = replay(&mut bob);
    let after = say_many(&mut alice, "z", 2);
    while replayed.last() != after.last() {
        replayed.push(bob.recv_type("message")["seq"].as_u64().unwrap());
    }
    let expected: Vec<u64> = [early, late, after].concat();
    assert_eq!(replayed, expected, "every seq once, in order");
}

// The same, met many times: client after client catches up while messages keep coming, and each
// ends with every message once, in order. (A replay's last page can be read from a snapshot older
// than messages the hub has already delivered, which skipped the replaying client.)
#[test]
fn replays_amid_steady_traffic_lose_nothing() {
    let server = start(unpaced);
    let (mut alice, _) = Client::join(&server, "alice");
    let mut all = say_many(&mut alice, "e", 400);
    for round in 0..8 {
        let mut bob = rejoin(&server, &format!("bob{round}"), 0);
        all.extend(say_many(&mut alice, &format!("r{round}x"), 60));
        let last = say_many(&mut alice, &format!("m{round}x"), 1);
        all.extend(&last);
        let mut got = Vec::new();
        while got.last() != last.last() {
            let frame = bob.recv();
            if frame["type"] == "message" {
                got.push(frame["seq"].as_u64().unwrap());
            }
        }
        assert_eq!(got, all, "round {round}: every seq once, in order");
    }
}

// A message sent again with an id its sender already used is answered with the stored message
// (same seq and ts) to that connection only, and is not stored or broadcast again, also after a
// restart. Without an id, nothing is deduplicated.
#[test]
fn a_retry_is_recognised_by_its_id() {
    let server = start_accounts(unpaced);
    let alice = register(&server, "alice", PASSWORD);
    let bob = register(&server, "bob", PASSWORD);
    let (mut a, _) = Client::join_as(&server, &alice);
    let (mut b, _) = Client::join_as(&server, &bob);
    a.say("once", "c1");
    let first = a.recv_type("message");
    assert_eq!(b.recv_type("message")["seq"], first["seq"]);
    a.say("once", "c1");
    let again = a.recv_type("message");
    assert_eq!(
        (&again["seq"], &again["ts"], &again["id"]),
        (&first["seq"], &first["ts"], &first["id"])
    );
    drop(a);
    drop(b);
    let data = server.stop();
    let server = start_in(data, unpaced);
    let (mut a, _) = Client::join_as(&server, &alice);
    let (mut b, _) = Client::join_as(&server, &bob);
    a.say("once", "c1");
    assert_eq!(
        a.recv_type("message")["seq"],
        first["seq"],
        "remembered across a restart"
    );
    a.say("new", "c2");
    let new = a.recv_type("message");
    assert_eq!(
        new["seq"].as_u64(),
        first["seq"].as_u64().map(|s| s + 1),
        "seq goes on, no gap"
    );
    let seen = b.recv_type("message");
    assert_eq!(seen["seq"], new["seq"], "bob never saw the retry");
    let page = history(&mut b, json!({"type": "history", "room": "general"}));
    assert_eq!(page["messages"].as_array().unwrap().len(), 2, "stored once");
}

// A private message to someone offline reaches them when they reconnect with `since`.
#[test]
fn an_offline_private_message_arrives_on_reconnect() {
    let server = start_accounts(unpaced);
    let alice = register(&server, "alice", PASSWORD);
    let bob = register(&server, "bob", PASSWORD);
    let (mut b, _) = Client::join_as(&server, &bob);
    b.say("hello", "b1");
    let last = b.recv_type("message")["seq"].as_u64().unwrap();
    drop(b);
    let (mut a, _) = Client::join_as(&server, &alice);
    a.send_json(json!({"type": "dm", "to": "bob", "text": "while you were away", "id": "d"}));
    let dm = a.recv_type("message")["seq"].as_u64().unwrap();
    let auth = format!("Bearer {bob}");
    let mut b = open(
        &server,
        &format!("/?since={last}"),
        &[("Authorization", &auth)],
    )
    .unwrap();
    assert_eq!(b.recv()["type"], "welcome");
    let (replayed, _) = replay(&mut b);
    assert_eq!(replayed, [dm]);
}

// With --history-messages, old messages are removed in the background; a history page or a
// replay that reaches past what is kept says so with `truncated`.
#[test]
fn retention_removes_old_messages_and_says_so() {
    let server = start(|c| {
        unpaced(c);
        c.history.max_messages = Some(10);
    });
    let (mut alice, _) = Client::join(&server, "alice");
    let sent = say_many(&mut alice, "r", 30);
    let mut page = Value::Null;
    wait_up_to(Duration::from_secs(10), "old messages are removed", || {
        page = history(
            &mut alice,
            json!({"type": "history", "room": "general", "limit": 200}),
        );
        seqs(&page).len() == 10
    });
    assert_eq!(seqs(&page), sent[20..]);
    assert_eq!(
        (page["more"].as_bool(), page["truncated"].as_bool()),
        (Some(false), Some(true))
    );
    let mut bob = rejoin(&server, "bob", 0);
    let (replayed, caught_up) = replay(&mut bob);
    assert_eq!(replayed, sent[20..]);
    assert_eq!(caught_up["truncated"], true);
    // Only what retention touched says so: a newer starting point, or another room, does not.
    let mut carol = rejoin(&server, "carol", sent[25]);
    let (replayed, caught_up) = replay(&mut carol);
    assert_eq!(replayed, sent[26..]);
    assert_eq!(caught_up.get("truncated"), None);
    alice.send_json(json!({"type": "create", "room": "quiet"}));
    alice.recv_type("joined");
    let page = history(&mut alice, json!({"type": "history", "room": "quiet"}));
    assert_eq!(
        (page["more"].as_bool(), page.get("truncated")),
        (Some(false), None)
    );
}
