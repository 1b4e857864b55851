//! Edits and deletions from a test client: a frame with an `id`, and the answer that names it.

use serde_json::{Value, json};

use super::Client;

/// Sends `frame` (with `id`) and returns the answer that names that id: the event or the error.
pub fn answer(client: &mut Client, frame: Value) -> Value {
    answer_after(client, frame).0
}

/// The same, with the frames that came before the answer.
pub fn answer_after(client: &mut Client, frame: Value) -> (Value, Vec<Value>) {
    let id = frame["id"].clone();
    client.send_json(frame);
    let mut before = Vec::new();
    loop {
        let reply = client.recv();
        if reply["id"] == id {
            return (reply, before);
        }
        before.push(reply);
    }
}

/// Posts `text` to `room` and returns its seq.
pub fn post_to(client: &mut Client, room: &str, text: &str, id: &str) -> u64 {
    let sent = json!({"type": "send", "room": room, "text": text, "id": id});
    let ack = answer(client, sent);
    assert_eq!(ack["type"], "message", "{ack}");
    ack["seq"].as_u64().expect("a seq")
}

pub fn edit(client: &mut Client, seq: u64, text: &str, id: &str) -> Value {
    answer(
        client,
        json!({"type": "edit", "seq": seq, "text": text, "id": id}),
    )
}

pub fn delete(client: &mut Client, seq: u64, id: &str) -> Value {
    answer(client, json!({"type": "delete", "seq": seq, "id": id}))
}

/// Frames after the welcome of a connection made with `?since=`, up to `caught_up`: the messages
/// and changes replayed.
pub fn replayed(client: &mut Client) -> Vec<Value> {
    let mut frames = Vec::new();
    loop {
        let frame = client.recv();
        match frame["type"].as_str() {
            Some("caught_up") => return frames,
            Some("message" | "edited" | "deleted") => frames.push(frame),
            _ => {}
        }
    }
}
