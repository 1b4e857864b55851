//! Chat behaviour end to end: welcome, broadcast, order, timestamps, presence, names.

mod common;

use common::{Client, open, start};
use serde_json::json;
use threadchat::log::now_ms;

// Every client, the sender included, receives each message once, the same seq and ts everywhere,
// and only the sender's copy carries its id.
#[test]
fn a_message_reaches_every_client_once() {
    let server = start(|_| {});
    let mut clients: Vec<Client> = (0..5)
        .map(|i| Client::join(&server, &format!("user{i}")).0)
        .collect();
    for (i, client) in clients.iter_mut().enumerate() {
        for j in i + 1..5 {
            assert_eq!(client.recv_presence(true)["user"], format!("user{j}"));
        }
    }
    let before = now_ms();
    clients[2].say("hello all", "c1");
    let copies: Vec<_> = clients.iter_mut().map(|c| c.recv()).collect();
    let after = now_ms();
    for (i, copy) in copies.iter().enumerate() {
        assert_eq!(copy["type"], "message");
        assert_eq!(copy["from"], "user2");
        assert_eq!(copy["text"], "hello all");
        assert_eq!(copy["seq"], copies[0]["seq"]);
        assert_eq!(copy["ts"], copies[0]["ts"]);
        assert_eq!(
            copy.get("id").is_some(),
            i == 2,
            "id only on the sender's copy: {copy}"
        );
    }
    assert_eq!(copies[2]["id"], "c1");
    let ts = copies[0]["ts"].as_u64().unwrap();
    assert!(
        (before..=after).contains(&ts),
        "ts {ts} is server time in ms"
    );
}

// Messages from several senders arrive everywhere in one order, by strictly increasing seq,
// and each sender's own messages keep the order it sent them in.
#[test]
fn every_client_sees_one_order() {
    let server = start(|_| {});
    let names = ["ann", "ben", "cat"];
    let mut clients: Vec<Client> = names.iter().map(|n| Client::join(&server, n).0).collect();
    clients[0].recv_presence(true);
    clients[0].recv_presence(true);
    clients[1].recv_presence(true);
    for round in 0..20 {
        for (i, client) in clients.iter_mut().enumerate() {
            client.say(&format!("{} {round}", names[i]), &format!("{round}"));
        }
    }
    let mut orders = Vec::new();
    for client in &mut clients {
        let seen: Vec<_> = (0..60).map(|_| client.recv_type("message")).collect();
        let seqs: Vec<u64> = seen.iter().map(|m| m["seq"].as_u64().unwrap()).collect();
        assert!(
            seqs.windows(2).all(|w| w[0] < w[1]),
            "seq strictly increases: {seqs:?}"
        );
        for name in names {
            let texts: Vec<_> = seen
                .iter()
                .filter(|m| m["from"] == name)
                .map(|m| m["text"].clone())
                .collect();
            let sent: Vec<_> = (0..20).map(|r| json!(format!("{name} {r}"))).collect();
            assert_eq!(texts, sent, "{name}'s messages in the order sent");
        }
        orders.push(seqs);
    }
    assert!(orders.iter().all(|o| *o == orders[0]));
}

// Arrivals and departures are announced as presence to those who share a room; the welcome names
// one's rooms, and a room's members (online or not) come on demand.
#[test]
fn presence_is_announced() {
    let server = start(|_| {});
    let (mut alice, welcome) = Client::join(&server, "alice");
    assert_eq!(
        welcome,
        json!({"type": "welcome", "you": "alice", "users": ["alice"], "offline": [],
               "rooms": ["general"], "dms": [], "read": [], "display_names": []})
    );
    let (mut bob, welcome) = Client::join(&server, "bob");
    assert_eq!(welcome["users"], json!(["bob"]), "room-mates come in pages");
    let members = bob.ask(json!({"type": "members", "room": "general"}), "members");
    assert_eq!(
        members,
        json!({"type": "members", "room": "general", "next": null, "members": [
            {"user": "alice", "online": true}, {"user": "bob", "online": true}]})
    );
    let came = alice.recv();
    assert_eq!(
        (
            came["type"].as_str(),
            came["user"].as_str(),
            came["online"].as_bool()
        ),
        (Some("presence"), Some("bob"), Some(true))
    );
    assert!(came["ts"].as_u64().is_some());
    bob.ws.close(None).unwrap();
    let went = alice.recv();
    assert_eq!(
        (
            went["type"].as_str(),
            went["user"].as_str(),
            went["online"].as_bool()
        ),
        (Some("presence"), Some("bob"), Some(false))
    );
    assert_eq!(
        bob.closed().map(|f| u16::from(f.code)),
        Some(1000),
        "the close is answered"
    );
}

// A name already in use, in any case, is refused with name_taken then Close 1008.
#[test]
fn names_are_unique_ignoring_case() {
    let server = start(|_| {});
    let (_alice, _) = Client::join(&server, "alice");
    let mut impostor = open(&server, "/?name=ALICE", &[]).unwrap();
    let error = impostor.recv();
    assert_eq!(error["type"], "error");
    assert_eq!(error["code"], "name_taken");
    let close = impostor.closed().expect("a Close frame");
    assert_eq!(u16::from(close.code), 1008);
}

// Missing and malformed names are refused with their own codes; escapes are decoded first.
#[test]
fn name_rules_are_enforced() {
    let server = start(|_| {});
    for (path, code) in [
        ("/", "name_missing"),
        ("/?name=", "name_missing"),
        ("/?name=a%20b", "name_invalid"),
        ("/?name=%3Cb%3E", "name_invalid"),
        (&format!("/?name={}", "x".repeat(33)), "name_invalid"),
    ] {
        let mut client = open(&server, path, &[]).unwrap();
        assert_eq!(client.recv()["code"], code, "{path}");
        assert_eq!(client.closed().map(|f| u16::from(f.code)), Some(1008));
    }
    let (_, welcome) = Client::join(&server, "al%69ce");
    assert_eq!(welcome["you"], "alice");
}

// A name is free again once its holder has left.
#[test]
fn a_name_is_released_on_leave() {
    let server = start(|_| {});
    let (mut first, _) = Client::join(&server, "sam");
    let (mut watcher, _) = Client::join(&server, "watcher");
    first.ws.close(None).unwrap();
    watcher.recv_presence(false);
    let (_, welcome) = Client::join(&server, "Sam");
    assert_eq!(welcome["you"], "Sam");
}
