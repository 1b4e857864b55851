//! Fan-out nobody paced (issue 14, attack 9): `join`/`leave` and `typing` from one user reach
//! everyone else at a bounded rate, however fast they come and however many conversations they
//! name; and the pages a user asks the hub to build (`rooms`, `members`, `history`) are paced too.

mod common;

use std::time::{Duration, Instant};

use common::{Client, count_about, start, still_chatting};
use serde_json::json;

/// Frames the join/leave loop sends at most, and the time it may take.
const FRAMES: usize = 2_000;
const SPELL: Duration = Duration::from_secs(2);
/// Frames sent before reading their answers, so that the spammer is never evicted as a reader.
const CHUNK: usize = 50;

// 2,000 join/leave frames in 2 s from one user reach another member as a handful of `joined` and
// `left` (ten at once, then one a second); the rest are refused `rate_limited` to the sender
// alone, and a control pair chats meanwhile.
#[test]
fn a_join_leave_loop_reaches_others_as_a_bounded_number_of_frames() {
    let server = start(|_| {});
    let (mut watcher, _) = Client::join(&server, "watcher");
    let (mut spammer, _) = Client::join(&server, "spammer");
    let (mut bob, _) = Client::join(&server, "bob");
    watcher.ask(json!({"type": "create", "room": "hall"}), "joined");
    let began = Instant::now();
    let (mut sent, mut refused) = (0, 0);
    while sent < FRAMES && began.elapsed() < SPELL {
        for n in sent..sent + CHUNK {
            let kind = if n % 2 == 0 { "join" } else { "leave" };
            spammer.send_json(json!({"type": kind, "room": "hall"}));
        }
        sent += CHUNK;
        let (_, paced, _) = read_answers(&mut spammer, CHUNK, &["joined", "left"]);
        refused += paced;
    }
    assert!(sent >= 500, "the loop ran: {sent} frames");
    let frames = watcher.frames_so_far();
    let seen = count_about(&frames, "joined", "spammer") + count_about(&frames, "left", "spammer");
    assert!(
        seen <= 16,
        "{seen} of {sent} frames reached the watcher ({refused} refused)"
    );
    assert!(refused >= sent - 16, "the rest were refused: {refused}");
    still_chatting(&mut bob, &mut watcher, "calm meanwhile");
}

// Typing cycled through twelve conversations (more than the per-conversation memory of eight)
// reaches a member of all of them as typing in one conversation would: a few, not twelve times
// as many.
#[test]
fn typing_across_many_conversations_is_not_multiplied() {
    let server = start(|c| {
        c.limits.room_change_burst = 1_000;
        c.limits.max_rooms_per_day = 100;
    });
    let (mut watcher, _) = Client::join(&server, "watcher");
    let (mut typist, _) = Client::join(&server, "typist");
    let (mut bob, _) = Client::join(&server, "bob");
    let rooms: Vec<String> = (0..12).map(|n| format!("t{n}")).collect();
    for room in &rooms {
        typist.send_json(json!({"type": "create", "room": room}));
        while typist.recv_type("joined")["room"] != json!(room) {}
        watcher.ask(json!({"type": "join", "room": room}), "joined");
    }
    // Bounded: ten rounds over the twelve rooms, as fast as they go (well under a second).
    let began = Instant::now();
    for _ in 0..10 {
        for room in &rooms {
            typist.send_json(json!({"type": "typing", "room": room}));
        }
    }
    // The typist's own answer comes after its typing notices were handled.
    typist.frames_so_far();
    let elapsed = began.elapsed();
    let seen = count_about(&watcher.frames_so_far(), "typing", "typist");
    // Three at once, then one every 2 s.
    let bound = 3 + elapsed.as_secs() as usize / 2 + 1;
    assert!(
        seen <= bound,
        "{seen} typing notices in {elapsed:?} reached the watcher (at most {bound})"
    );
    assert!(seen >= 1, "typing still works");
    still_chatting(&mut bob, &mut watcher, "typing did not drown this");
}

/// Pages one user may ask for at once (`ASKS`'s burst in src/hub/pace.rs), and how many of the
/// script's asks the test sends.
const ASK_BURST: usize = 250;
const ASKS_SENT: usize = 2_000;

// A script asking for `members`, `rooms` and `history` pages in a loop gets its burst of pages,
// then `rate_limited` for the rest (each refused at once, to it alone): the hub builds a bounded
// number of pages for it, and a control pair chats meanwhile.
#[test]
fn pages_asked_for_in_a_loop_are_paced() {
    let server = start(|_| {});
    let (mut asker, _) = Client::join(&server, "asker");
    let (mut alice, _) = Client::join(&server, "alice");
    let (mut bob, _) = Client::join(&server, "bob");
    let asks = [
        json!({"type": "members", "room": "general"}),
        json!({"type": "rooms"}),
        json!({"type": "history", "room": "general"}),
    ];
    let began = Instant::now();
    let (mut answered, mut refused) = (0, 0);
    // Bounded: ASKS_SENT frames in chunks, each chunk's answers read before the next.
    for chunk in (0..ASKS_SENT).collect::<Vec<_>>().chunks(CHUNK) {
        for &n in chunk {
            asker.send_json(asks[n % asks.len()].clone());
        }
        let kinds = ["members", "rooms", "history"];
        let (pages, paced, other) = read_answers(&mut asker, chunk.len(), &kinds);
        assert_eq!(other, 0, "every refusal is rate_limited");
        (answered, refused) = (answered + pages, refused + paced);
    }
    // One more page comes back every 50 ms of the loop.
    let refilled = (began.elapsed().as_millis() / 50) as usize + 1;
    assert!(
        answered <= ASK_BURST + refilled,
        "{answered} pages built for one user in {:?}",
        began.elapsed()
    );
    assert!(answered >= ASK_BURST, "the burst is served: {answered}");
    assert_eq!(answered + refused, ASKS_SENT);
    still_chatting(&mut alice, &mut bob, "pages were paced");
}

/// Reads the answers to `count` frames just sent, each one frame of a type in `kinds` or an
/// `error`, skipping anything else (presence, others' frames); returns how many were answered,
/// refused `rate_limited`, and refused otherwise.
fn read_answers(client: &mut Client, count: usize, kinds: &[&str]) -> (usize, usize, usize) {
    let (mut answered, mut paced, mut other) = (0, 0, 0);
    // Bounded: each turn reads one frame under the harness's deadline.
    while answered + paced + other < count {
        let frame = client.recv();
        match frame["type"].as_str() {
            Some(kind) if kinds.contains(&kind) => answered += 1,
            Some("error") if frame["code"] == "rate_limited" => paced += 1,
            Some("error") => other += 1,
            _ => {}
        }
    }
    (answered, paced, other)
}
