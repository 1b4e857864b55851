//! Accounts and chat on a [`Binary`]: what the in-process helpers of `http` and `ws` do for a
//! `Server`, for the real binary.

use std::net::SocketAddr;

use serde_json::{Value, json};

use super::{Binary, Client, Reply, api, bearer, open_at};

/// The password of every account these helpers make.
pub const PASSWORD: &str = "correct horse";

impl Binary {
    /// Registers `name` (with [`PASSWORD`]); the session token. Fails the test unless 201.
    pub fn register(&self, name: &str) -> String {
        let reply = self.account("/api/register", name);
        assert_eq!(reply.status, 201, "registering {name}: {reply:?}");
        reply.body["token"].as_str().expect("a token").to_owned()
    }

    /// Signs `name` in (with [`PASSWORD`]): the answer, whatever it is.
    pub fn login(&self, name: &str) -> Reply {
        self.account("/api/login", name)
    }

    fn account(&self, path: &str, name: &str) -> Reply {
        let http: SocketAddr = self.http.parse().expect("the page's address");
        let body = json!({"name": name, "password": PASSWORD});
        api(http, "POST", path, Some(&body), &[])
    }

    /// `token`'s account joins the chat; the client, past its welcome.
    pub fn join(&self, token: &str) -> Client {
        let (name, value) = bearer(token);
        let mut client = open_at(&self.ws, "/", &[(name, &value)]).expect("handshake");
        let welcome = client.recv();
        assert_eq!(welcome["type"], "welcome", "first frame: {welcome}");
        client
    }
}

impl Client {
    /// Sends `text` to general with the id `id`, and returns what came of it: the sender's own
    /// copy (a `message`), or the `error` that refused it.
    pub fn post(&mut self, text: &str, id: &str) -> Value {
        self.say(text, id);
        loop {
            let frame = self.recv();
            if frame["id"] == id && (frame["type"] == "message" || frame["type"] == "error") {
                return frame;
            }
        }
    }

    /// Skips frames until the message `text` arrives.
    pub fn hears(&mut self, text: &str) {
        while self.recv_type("message")["text"] != text {}
    }
}
