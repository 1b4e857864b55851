//! The one path by which frames reach the socket: a write-only `WebSocket` behind a `Mutex`.
//!
//! Both threads write: the `keyboard` thread what the user typed, the socket loop its Pongs, its
//! answer to the server's Close and its requests for the next page of a list. Each holds the lock
//! for one whole frame, written and flushed, so frames never interleave. Unlike the chat state
//! of STYLE.md's rule, this lock guards the write itself: it is held across I/O by design, and
//! only ever for one frame. The server's reader is always reading (it pauses only while the hub's
//! inbox is full, for moments), so a write waits for little more than the network. This `WebSocket` never reads (the reading one is in `connect.rs`); made in the
//! client role, it masks every frame as RFC 6455 requires of clients.

use std::net::{Shutdown, TcpStream};
use std::sync::{Mutex, MutexGuard};

use serde_json::Value;
use tungstenite::protocol::frame::coding::CloseCode;
use tungstenite::protocol::{CloseFrame, Role, WebSocketConfig};
use tungstenite::{Bytes, Message, WebSocket};

/// Writes frames to the server, one at a time.
pub struct Writer {
    ws: Mutex<WebSocket<TcpStream>>,
}

impl Writer {
    pub fn new(socket: TcpStream, config: WebSocketConfig) -> Writer {
        let ws = WebSocket::from_raw_socket(socket, Role::Client, Some(config));
        Writer { ws: Mutex::new(ws) }
    }

    /// Sends one JSON frame as a text message.
    pub fn send(&self, frame: &Value) -> tungstenite::Result<()> {
        // Blocks while the other thread writes a frame, then until the kernel takes this one.
        self.lock().send(Message::text(frame.to_string()))
    }

    /// Answers a Ping with its payload (RFC 6455 §5.5.3).
    pub fn pong(&self, payload: Bytes) -> tungstenite::Result<()> {
        self.lock().send(Message::Pong(payload))
    }

    /// Starts or answers the closing handshake with `code` (none: a Close without a code); once
    /// is enough, later calls only flush. Nothing is written after it.
    pub fn close(&self, code: Option<CloseCode>, reason: &str) -> tungstenite::Result<()> {
        let frame = code.map(|code| CloseFrame {
            code,
            reason: reason.into(),
        });
        self.lock().close(frame)
    }

    /// Whether a Close has been written: after it, the connection's end is expected.
    pub fn has_closed(&self) -> bool {
        !self.lock().can_write()
    }

    /// Shuts the socket down both ways, which wakes the socket loop from its read at once.
    pub fn shut_down(&self) {
        // Fails only if the socket is already shut down or gone: the same outcome.
        let _ = self.lock().get_ref().shutdown(Shutdown::Both);
    }

    fn lock(&self) -> MutexGuard<'_, WebSocket<TcpStream>> {
        self.ws
            .lock()
            .expect("no thread panics while writing a frame: a poisoned writer is a bug")
    }
}
