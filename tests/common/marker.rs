//! Reading "everything sent to me so far": a request whose answer the hub sends after every frame
//! it queued for this connection before it, so the frames on the way are all there is.

use serde_json::{Value, json};

use super::Client;

impl Client {
    /// Asks for the room list and returns every frame that came before its answer: all that the
    /// server had sent this connection when it read the request.
    pub fn frames_so_far(&mut self) -> Vec<Value> {
        self.send_json(json!({"type": "rooms"}));
        let mut frames = Vec::new();
        loop {
            let frame = self.recv();
            if frame["type"] == "rooms" {
                return frames;
            }
            frames.push(frame);
        }
    }
}

/// How many of `frames` are of type `kind` and about `user`.
pub fn count_about(frames: &[Value], kind: &str, user: &str) -> usize {
    (frames.iter())
        .filter(|frame| frame["type"] == kind && frame["user"] == user)
        .count()
}

/// Two people who chat meanwhile: `from` says `text` in `general` and gets its copy, and `to`
/// hears it (other messages on the way are skipped; a missing one fails at the deadline).
pub fn still_chatting(from: &mut Client, to: &mut Client, text: &str) {
    from.say(text, text);
    while from.recv_type("message")["id"] != text {}
    while to.recv_type("message")["text"] != text {}
}
