//! A property test of membership: under many random interleavings of connect, disconnect, join,
//! leave, send, edit and delete across users with several tabs, every connection receives exactly
//! the messages and changes of the rooms its user was a member of when each was made: nothing
//! from elsewhere, nothing missing. Each step waits for its confirmation, so the model knows the membership at every
//! message; the sequences come from a fixed-seed generator, so a failure can be replayed.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::{Client, register, start_accounts, unpaced};
use serde_json::{Value, json};

const USERS: usize = 4;
const MAX_TABS: usize = 2;
const ROOMS: [&str; 3] = ["general", "red", "blue"];
const STEPS: usize = 150;

/// xorshift64*: a small deterministic generator, so that a seed names one interleaving.
struct Random(u64);

impl Random {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 33) as usize % n
    }
}

/// One open tab: its user, its client, the `seq`s it should get and the ones it got.
struct Tab {
    user: usize,
    client: Client,
    expected: BTreeSet<u64>,
    received: BTreeSet<u64>,
}

impl Tab {
    /// Reads everything sent to this tab so far: asks for the room list, whose answer comes after
    /// every frame sent before it, and notes each message on the way.
    fn drain(&mut self) {
        self.client.send_json(json!({"type": "rooms"}));
        loop {
            let frame = self.client.recv();
            match frame["type"].as_str() {
                Some("rooms") => return,
                Some("message" | "edited" | "deleted") => self.note(&frame),
                _ => {}
            }
        }
    }

    fn note(&mut self, frame: &Value) {
        let seq = frame["seq"]
            .as_u64()
            .expect("a message or change has a seq");
        assert!(self.received.insert(seq), "seq {seq} arrived twice");
    }

    /// Sends a frame and reads until one that `answers` comes, noting messages on the way.
    fn ask(&mut self, frame: Value, answers: impl Fn(&Value) -> bool) -> Value {
        self.client.send_json(frame);
        loop {
            let frame = self.client.recv();
            if ["message", "edited", "deleted"].contains(&frame["type"].as_str().unwrap_or("")) {
                self.note(&frame);
            }
            if answers(&frame) {
                return frame;
            }
        }
    }

    fn check(&self, seed: u64) {
        assert_eq!(
            self.received, self.expected,
            "seed {seed}: user {} got the wrong messages",
            self.user
        );
    }
}

fn run(seed: u64) {
    let server = start_accounts(unpaced);
    let tokens: Vec<String> = (0..USERS)
        .map(|u| register(&server, &format!("user{u}"), "correct horse"))
        .collect();
    // A keeper, never connected again, holds the rooms open: a room its last member leaves goes.
    let keeper = register(&server, "keeper", "correct horse");
    let mut keeper = Client::join_as(&server, &keeper).0;
    for room in &ROOMS[1..] {
        keeper.send_json(json!({"type": "create", "room": room}));
        keeper.recv_type("joined");
    }
    drop(keeper);
    // The model: who is in which room (everyone starts in general).
    let mut members: BTreeMap<&str, BTreeSet<usize>> =
        ROOMS.iter().map(|r| (*r, BTreeSet::new())).collect();
    members.get_mut("general").unwrap().extend(0..USERS);
    let mut tabs: Vec<Tab> = Vec::new();
    // Every message sent and not deleted: (author, room, seq).
    let mut sent: Vec<(usize, &str, u64)> = Vec::new();
    let mut random = Random(seed);
    for step in 0..STEPS {
        let user = random.below(USERS);
        let room = ROOMS[random.below(ROOMS.len())];
        let user_tabs: Vec<usize> = (0..tabs.len()).filter(|&t| tabs[t].user == user).collect();
        let own: Vec<usize> = (0..sent.len()).filter(|&i| sent[i].0 == user).collect();
        match random.below(8) {
            0 if user_tabs.len() < MAX_TABS => {
                let (client, _) = Client::join_as(&server, &tokens[user]);
                tabs.push(Tab {
                    user,
                    client,
                    expected: BTreeSet::new(),
                    received: BTreeSet::new(),
                });
            }
            1 if !user_tabs.is_empty() => {
                let mut tab = tabs.remove(user_tabs[0]);
                tab.drain();
                tab.check(seed);
            }
            2 if !user_tabs.is_empty() && !members[room].contains(&user) => {
                let frame = json!({"type": "join", "room": room});
                tabs[user_tabs[0]].ask(frame, |f| f["type"] == "joined" && f["room"] == room);
                members.get_mut(room).unwrap().insert(user);
            }
            3 if !user_tabs.is_empty() && members[room].contains(&user) => {
                let frame = json!({"type": "leave", "room": room});
                tabs[user_tabs[0]].ask(frame, |f| f["type"] == "left" && f["room"] == room);
                members.get_mut(room).unwrap().remove(&user);
            }
            // An edit or a deletion of one of the user's messages: it reaches the members of
            // the message's room now, or is refused like a message that does not exist if the
            // user is no longer among them.
            kind @ (4 | 5) if !user_tabs.is_empty() && !own.is_empty() => {
                let at = own[random.below(own.len())];
                let (_, room, target) = sent[at];
                let id = format!("c{step}");
                let frame = match kind {
                    4 => json!({"type": "edit", "seq": target, "text": id, "id": id}),
                    _ => json!({"type": "delete", "seq": target, "id": id}),
                };
                let answer = tabs[user_tabs[0]].ask(frame, |f| f["id"] == id);
                if !members[room].contains(&user) {
                    assert_eq!(answer["code"], "no_such_message", "seed {seed}: {answer}");
                    continue;
                }
                assert_ne!(answer["type"], "error", "seed {seed}: {answer}");
                let seq = answer["seq"].as_u64().unwrap();
                for tab in tabs.iter_mut().filter(|t| members[room].contains(&t.user)) {
                    tab.expected.insert(seq);
                }
                if kind == 5 {
                    sent.remove(at);
                }
            }
            _ if !user_tabs.is_empty() && members[room].contains(&user) => {
                let id = format!("s{step}");
                let frame = json!({"type": "send", "room": room, "text": id, "id": id});
                let ack = tabs[user_tabs[0]].ask(frame, |f| f["id"] == id);
                let seq = ack["seq"].as_u64().unwrap();
                for tab in tabs.iter_mut().filter(|t| members[room].contains(&t.user)) {
                    tab.expected.insert(seq);
                }
                sent.push((user, room, seq));
            }
            _ => {}
        }
    }
    for tab in &mut tabs {
        tab.drain();
        tab.check(seed);
    }
}

// Three fixed interleavings of 150 steps each.
#[test]
fn nobody_ever_receives_a_message_or_change_of_a_room_they_were_not_in() {
    for seed in [0x5EED_0001, 0xC0FF_EE42, 0x0BAD_CAFE] {
        run(seed);
    }
}
