//! A WebSocket client for tests, with a deadline on every read.

use std::net::TcpStream;
use std::time::Instant;

use serde_json::{Value, json};
use threadchat::Server;
use tungstenite::protocol::CloseFrame;
use tungstenite::{Message, WebSocket};

use super::DEADLINE;

/// A WebSocket client for tests.
pub struct Client {
    pub ws: WebSocket<TcpStream>,
}

/// Opens a WebSocket to `path` (e.g. `/?name=alice`) with extra request headers.
pub fn open(
    server: &Server,
    path: &str,
    headers: &[(&str, &str)],
) -> Result<Client, tungstenite::Error> {
    open_at(&server.ws_addr().to_string(), path, headers)
}

/// Opens a WebSocket to `path` on `addr` (`127.0.0.1:PORT`) with extra request headers.
pub fn open_at(
    addr: &str,
    path: &str,
    headers: &[(&str, &str)],
) -> Result<Client, tungstenite::Error> {
    let stream = TcpStream::connect(addr).expect("connect");
    stream.set_read_timeout(Some(DEADLINE)).unwrap();
    let mut request =
        tungstenite::ClientRequestBuilder::new(format!("ws://{addr}{path}").parse().unwrap());
    for (name, value) in headers {
        request = request.with_header(*name, *value);
    }
    match tungstenite::client(request, stream) {
        Ok((ws, _)) => Ok(Client { ws }),
        Err(tungstenite::HandshakeError::Failure(e)) => Err(e),
        Err(e) => panic!("handshake did not finish: {e}"),
    }
}

impl Client {
    /// Joins the chat with a session token (an account) and returns the client with its welcome.
    pub fn join_as(server: &Server, token: &str) -> (Client, Value) {
        let auth = format!("Bearer {token}");
        let mut client = open(server, "/", &[("Authorization", &auth)]).expect("handshake");
        let welcome = client.recv();
        assert_eq!(welcome["type"], "welcome", "first frame: {welcome}");
        (client, welcome)
    }

    /// Joins the chat as the guest `name` and returns the client with its welcome frame.
    pub fn join(server: &Server, name: &str) -> (Client, Value) {
        let mut client = open(server, &format!("/?name={name}"), &[]).expect("handshake");
        let welcome = client.recv();
        assert_eq!(
            welcome["type"], "welcome",
            "first frame for {name}: {welcome}"
        );
        (client, welcome)
    }

    pub fn send_json(&mut self, frame: Value) {
        self.ws
            .send(Message::text(frame.to_string()))
            .expect("send");
    }

    pub fn say(&mut self, text: &str, id: &str) {
        self.send_json(json!({"type": "send", "text": text, "id": id}));
    }

    /// The next message, whatever it is; pings are answered and skipped on the way.
    pub fn next(&mut self) -> Message {
        let deadline = Instant::now() + DEADLINE;
        loop {
            assert!(Instant::now() < deadline, "no message within {DEADLINE:?}");
            match self.ws.read() {
                Ok(Message::Ping(_) | Message::Pong(_)) => continue,
                Ok(message) => return message,
                Err(e) => panic!("read failed: {e}"),
            }
        }
    }

    /// The next text frame, parsed.
    pub fn recv(&mut self) -> Value {
        match self.next() {
            Message::Text(text) => serde_json::from_str(&text).expect("frames are JSON"),
            other => panic!("expected a text frame, got {other:?}"),
        }
    }

    /// Sends a frame and returns the next frame of `kind` (skipping others): a request and its
    /// answer.
    pub fn ask(&mut self, frame: Value, kind: &str) -> Value {
        self.send_json(frame);
        self.recv_type(kind)
    }

    /// Skips frames until one of type `kind` arrives (presence frames from other tests' clients).
    pub fn recv_type(&mut self, kind: &str) -> Value {
        let deadline = Instant::now() + DEADLINE;
        loop {
            assert!(
                Instant::now() < deadline,
                "no {kind} frame within {DEADLINE:?}"
            );
            let frame = self.recv();
            if frame["type"] == kind {
                return frame;
            }
        }
    }

    /// Skips frames until a `presence` frame saying someone came online (`true`) or went
    /// offline (`false`) arrives.
    pub fn recv_presence(&mut self, online: bool) -> Value {
        let deadline = Instant::now() + DEADLINE;
        loop {
            assert!(
                Instant::now() < deadline,
                "no presence frame within {DEADLINE:?}"
            );
            let frame = self.recv_type("presence");
            if frame["online"] == online {
                return frame;
            }
        }
    }

    /// Reads until the server closes; returns its Close frame (`None` for a bare TCP close).
    pub fn closed(&mut self) -> Option<CloseFrame> {
        let deadline = Instant::now() + DEADLINE;
        loop {
            assert!(Instant::now() < deadline, "not closed within {DEADLINE:?}");
            match self.ws.read() {
                Ok(Message::Close(frame)) => return frame,
                Ok(_) => continue,
                Err(_) => return None,
            }
        }
    }
}
