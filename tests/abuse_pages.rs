//! Answers bounded by their encoded size: a history page, a welcome and a page of members each
//! fit well inside the asker's backlog however many messages or people there are, and paging
//! reaches all of them.

mod common;

use std::collections::BTreeSet;
use std::thread;
use std::time::{Duration, Instant};

use common::{Client, open, start, unpaced};
use serde_json::{Value, json};
use tungstenite::Message;

/// The promise of the protocol for a welcome, and the most any one answer may hold by default
/// (an eighth of the default 256 KiB backlog).
const MAX_WELCOME: usize = 64 * 1024;
const REPLY_BUDGET: usize = 32 * 1024;

/// Messages and their size in the history test: what evicted the asker before.
const MESSAGES: usize = 210;
const TEXT: usize = 4000;

/// People in `general` in the welcome test: a welcome that listed them all was 324 KB at 9,000.
const CROWD: usize = 9_000;
/// Private conversations alice starts with the crowd: more than a welcome could list.
const PARTNERS: usize = 3_000;
/// Threads that bring the crowd in.
const CROWD_THREADS: usize = 4;

/// The next text frame, parsed, with its encoded length.
fn recv_sized(client: &mut Client, kind: &str) -> (Value, usize) {
    let deadline = Instant::now() + common::DEADLINE;
    loop {
        assert!(Instant::now() < deadline, "no {kind} frame in time");
        if let Message::Text(text) = client.next() {
            let frame: Value = serde_json::from_str(&text).unwrap();
            if frame["type"] == kind {
                return (frame, text.len());
            }
        }
    }
}

// 210 messages of 4,000 bytes, then `history` with `limit` 200: the asker gets pages that stop at
// the byte budget (`more: true`) instead of one frame of 820 KB that evicted it, and paging with
// `before` reaches every message, in order. A control pair chats on meanwhile.
#[test]
fn history_pages_stop_at_a_byte_budget() {
    let server = start(unpaced);
    let (mut alice, _) = Client::join(&server, "alice");
    let (mut bob, _) = Client::join(&server, "bob");
    let text = "x".repeat(TEXT);
    // Bounded: 210 messages, in rounds that both read to the end.
    for round in 0..MESSAGES / 10 {
        for i in 0..10 {
            alice.say(&text, &format!("m{round}-{i}"));
        }
        for _ in 0..10 {
            alice.recv_type("message");
            bob.recv_type("message");
        }
    }
    let (mut carol, _) = Client::join(&server, "carol");
    let mut seqs = Vec::new();
    let mut before: Option<u64> = None;
    // Bounded: each page holds at least one message, so at most 210 pages.
    for _ in 0..=MESSAGES {
        let ask = json!({"type": "history", "room": "general", "limit": 200, "before": before});
        carol.send_json(ask);
        let (page, size) = recv_sized(&mut carol, "history");
        assert!(size <= REPLY_BUDGET + TEXT + 200, "a page of {size} bytes");
        let page_seqs: Vec<u64> = (page["messages"].as_array().unwrap().iter())
            .map(|m| m["seq"].as_u64().unwrap())
            .collect();
        assert!(!page_seqs.is_empty(), "every page moves on");
        before = page_seqs.first().copied();
        seqs.splice(0..0, page_seqs);
        if page["more"] == false {
            break;
        }
        assert_eq!(page["more"], true);
    }
    assert_eq!(seqs.len(), MESSAGES, "every message, once");
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "in order");
    carol.say("read it all", "c1");
    assert_eq!(bob.recv_type("message")["text"], "read it all");
    assert_eq!(
        carol.recv_type("message")["id"],
        "c1",
        "the asker was not evicted"
    );
}

/// Brings `CROWD` guests into `general`, each joining once and leaving: the hub keeps every
/// guest it has seen as a member of `general`, as it keeps every account.
fn bring_the_crowd(server: &common::TestServer) {
    thread::scope(|scope| {
        for t in 0..CROWD_THREADS {
            scope.spawn(move || {
                for i in (t..CROWD).step_by(CROWD_THREADS) {
                    let mut guest = open(server, &format!("/?name=g{i:05}"), &[]).unwrap();
                    assert_eq!(guest.recv()["type"], "welcome");
                }
            });
        }
    });
}

// With 9,000 people in `general`, a newcomer's welcome is still under 64 KiB (it lists rooms,
// not their members), and the members come in pages (each within the reply budget) that reach
// every one of them once, with whether they are online. Only members may ask.
#[test]
fn a_crowded_room_keeps_welcomes_small() {
    let server = start(unpaced);
    let began = Instant::now();
    bring_the_crowd(&server);
    eprintln!("{CROWD} guests in {:?}", began.elapsed());
    let (mut bob, _) = Client::join(&server, "bob");
    let mut alice = open(&server, "/?name=alice", &[]).unwrap();
    let (welcome, size) = recv_sized(&mut alice, "welcome");
    assert!(size < MAX_WELCOME, "a welcome of {size} bytes");
    assert_eq!(welcome["rooms"], json!(["general"]));
    let mut seen = BTreeSet::new();
    let mut after = Value::Null;
    // Bounded: each page holds at least one member.
    for _ in 0..CROWD + 2 {
        alice.send_json(json!({"type": "members", "room": "general", "after": after}));
        let (page, size) = recv_sized(&mut alice, "members");
        assert!(size <= REPLY_BUDGET + 100, "a page of {size} bytes");
        for member in page["members"].as_array().unwrap() {
            let online = ["alice", "bob"].contains(&member["user"].as_str().unwrap());
            assert_eq!(member["online"], online, "{member}");
            assert!(seen.insert(member["user"].to_string()), "{member} twice");
        }
        after = page["next"].clone();
        if after.is_null() {
            break;
        }
    }
    assert_eq!(seen.len(), CROWD + 2, "every member, once");
    bob.send_json(json!({"type": "create", "room": "quiet"}));
    assert_eq!(bob.recv_type("joined")["room"], "quiet");
    let refused = alice.ask(json!({"type": "members", "room": "quiet"}), "error");
    assert_eq!(refused["code"], "not_a_member");
    alice.say("hello crowd", "a1");
    assert_eq!(bob.recv_type("message")["text"], "hello crowd");
    // Private conversations with thousands: the welcome still stops at its budget.
    // Bounded: PARTNERS messages, each acknowledged before the next batch.
    for batch in (0..PARTNERS).collect::<Vec<_>>().chunks(100) {
        for i in batch {
            alice.send_json(json!({"type": "dm", "to": format!("g{i:05}"), "text": "hi"}));
        }
        for _ in batch {
            alice.recv_type("message");
        }
    }
    drop(alice);
    // A guest's name is free once the hub has heard the old connection end: until then a new
    // one is refused `name_taken` (on a busy machine that can take a moment).
    let mut welcomed = None;
    common::wait_until("alice's name is free again", || {
        let mut again = open(&server, "/?name=alice", &[]).unwrap();
        let first = match again.next() {
            Message::Text(text) => text.to_string(),
            _ => return false,
        };
        let frame: Value = serde_json::from_str(&first).unwrap();
        if frame["type"] == "error" {
            assert_eq!(frame["code"], "name_taken", "{frame}");
            return false;
        }
        assert_eq!(frame["type"], "welcome", "{frame}");
        welcomed = Some((frame, first.len()));
        true
    });
    let (welcome, size) = welcomed.expect("a welcome");
    assert!(size < MAX_WELCOME, "a welcome of {size} bytes");
    let dms = welcome["dms"].as_array().unwrap().len();
    assert!(dms > 100, "as many as fit: {dms}");
    let listed =
        welcome["users"].as_array().unwrap().len() + welcome["offline"].as_array().unwrap().len();
    assert_eq!(listed, dms + 1, "each partner's presence, and alice's");
    assert!(began.elapsed() < Duration::from_secs(60));
}

// The list of rooms comes in pages too: 700 rooms with long names (about 42 KB of list) arrive in
// pages within the reply budget, every room once, in order.
#[test]
fn the_room_list_comes_in_pages() {
    const ROOMS: usize = 700;
    let server = start(|c| {
        unpaced(c);
        c.limits.max_rooms_per_user = ROOMS + 1;
        c.limits.max_rooms_per_day = ROOMS as u32 + 1;
    });
    let (mut alice, _) = Client::join(&server, "alice");
    // Bounded: ROOMS rooms, in batches each answered before the next.
    for batch in (0..ROOMS).collect::<Vec<_>>().chunks(50) {
        for i in batch {
            let room = format!("a-room-with-a-long-name-{i:04}");
            alice.send_json(json!({"type": "create", "room": room}));
        }
        for _ in batch {
            alice.recv_type("joined");
        }
    }
    let mut names = Vec::new();
    let mut after = Value::Null;
    // Bounded: each page holds at least one room.
    for _ in 0..=ROOMS + 1 {
        alice.send_json(json!({"type": "rooms", "after": after}));
        let (page, size) = recv_sized(&mut alice, "rooms");
        assert!(size <= REPLY_BUDGET + 100, "a page of {size} bytes");
        for room in page["rooms"].as_array().unwrap() {
            names.push(room["room"].as_str().unwrap().to_owned());
        }
        after = page["next"].clone();
        if after.is_null() {
            break;
        }
    }
    assert_eq!(names.len(), ROOMS + 1, "every room and general, once");
    assert!(
        names
            .windows(2)
            .all(|w| w[0].to_lowercase() < w[1].to_lowercase())
    );
}
