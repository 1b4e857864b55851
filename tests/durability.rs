//! No acknowledged message is ever lost or doubled: the binary is killed with SIGKILL in the
//! middle of a burst of sends from several clients, restarted on the same data directory, and
//! what was acknowledged is there once each, in `seq` order, for history and for reconnects.

mod common;

use std::collections::BTreeMap;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::thread;

use common::{Binary, Client, TempDir, open_at, wait_until};
use serde_json::{Value, json};

const FLAGS: [&str; 5] = [
    "--guests",
    "--send-rate",
    "100000",
    "--send-burst",
    "100000",
];

/// Joins the binary's chat as the guest `name`, with `?since=` if given; after its welcome.
fn join(server: &Binary, name: &str, since: Option<u64>) -> Client {
    let since = since.map(|s| format!("&since={s}")).unwrap_or_default();
    let mut client = open_at(&server.ws, &format!("/?name={name}{since}"), &[]).expect("joins");
    assert_eq!(client.recv()["type"], "welcome");
    client
}

/// Every message of general, oldest first, read page by page.
fn whole_history(client: &mut Client) -> Vec<Value> {
    let mut all = Vec::new();
    let mut before = None;
    loop {
        let mut ask = json!({"type": "history", "room": "general", "limit": 200});
        if let Some(before) = before {
            ask["before"] = json!(before);
        }
        client.send_json(ask);
        let page = client.recv_type("history");
        let messages = page["messages"].as_array().unwrap().clone();
        before = messages.first().and_then(|m| m["seq"].as_u64());
        all.splice(0..0, messages);
        if page["more"] != true {
            return all;
        }
    }
}

// SIGKILL during a burst from three clients: every acknowledged message is stored once, in seq
// order, and seq goes on after the restart without reuse.
#[test]
fn a_crash_loses_and_doubles_no_acknowledged_message() {
    let server = Binary::launch(&[], TempDir::new(), &FLAGS, Stdio::null());
    let acked = Arc::new(Mutex::new(BTreeMap::new()));
    let senders: Vec<_> = (0..3)
        .map(|n| {
            let mut client = join(&server, &format!("sender{n}"), None);
            let acked = Arc::clone(&acked);
            thread::spawn(move || {
                // Bounded: 2,000 messages each at most, in windows of 20 awaiting their acks;
                // it ends at the first read the crash cuts.
                for window in 0..100 {
                    for i in 0..20 {
                        let id = format!("s{n}-{window}-{i}");
                        if client
                            .ws
                            .send(tungstenite::Message::text(
                                json!({"type": "send", "text": id, "id": id}).to_string(),
                            ))
                            .is_err()
                        {
                            return;
                        }
                    }
                    let mut got = 0;
                    while got < 20 {
                        let Ok(tungstenite::Message::Text(text)) = client.ws.read() else {
                            return;
                        };
                        let frame: Value = serde_json::from_str(&text).unwrap();
                        let mine = frame["id"]
                            .as_str()
                            .is_some_and(|id| id.starts_with(&format!("s{n}-")));
                        if frame["type"] == "message" && mine {
                            acked
                                .lock()
                                .unwrap()
                                .insert(frame["seq"].as_u64().unwrap(), frame["id"].clone());
                            got += 1;
                        }
                    }
                }
            })
        })
        .collect();
    wait_until("a few hundred messages are acknowledged", || {
        acked.lock().unwrap().len() >= 300
    });
    let data = server.crash();
    for sender in senders {
        sender.join().expect("a sender thread");
    }
    let acked = acked.lock().unwrap().clone();
    let server = Binary::launch(&[], data, &FLAGS, Stdio::null());
    let mut reader = join(&server, "reader", None);
    let stored = whole_history(&mut reader);
    let seqs: Vec<u64> = stored.iter().map(|m| m["seq"].as_u64().unwrap()).collect();
    assert!(
        seqs.windows(2).all(|w| w[0] < w[1]),
        "in seq order, once each"
    );
    let by_seq: BTreeMap<u64, &Value> = stored
        .iter()
        .map(|m| (m["seq"].as_u64().unwrap(), &m["text"]))
        .collect();
    for (seq, id) in &acked {
        assert_eq!(
            by_seq.get(seq),
            Some(&id),
            "acknowledged seq {seq} ({id}) is stored"
        );
    }
    let texts: Vec<&Value> = stored.iter().map(|m| &m["text"]).collect();
    let unique: std::collections::BTreeSet<_> = texts.iter().map(|t| t.to_string()).collect();
    assert_eq!(unique.len(), texts.len(), "no message stored twice");
    // After the restart seq goes on from the last one stored: no reuse.
    reader.say("after the crash", "after");
    let next = reader.recv_type("message")["seq"].as_u64().unwrap();
    assert_eq!(Some(next), seqs.last().map(|s| s + 1));
    // A client that reconnects with its last acknowledged seq gets exactly what follows.
    let since = *acked.keys().next().unwrap();
    let mut late = join(&server, "latecomer", Some(since));
    let mut replayed = Vec::new();
    loop {
        let frame = late.recv();
        match frame["type"].as_str() {
            Some("message") => replayed.push(frame["seq"].as_u64().unwrap()),
            Some("caught_up") => break,
            _ => {}
        }
    }
    let expected: Vec<u64> = seqs
        .iter()
        .copied()
        .filter(|s| *s > since)
        .chain([next])
        .collect();
    assert_eq!(replayed, expected);
}
