//! A `ws-read-N` thread: one per connection, blocking on its socket for the connection's life.
//!
//! Blocks in `read()` until a frame arrives. Woken by the client (a frame, a Close, the socket
//! closing), by the idle deadline (the socket's read timeout: nothing heard for `--idle-timeout`),
//! or by the hub shutting the socket down (eviction, server stop). Its one other wait is for room
//! in the hub's inbox (backpressure, see `event.rs`). It parses and validates what the client
//! sends, here in the client's own thread, so the hub gets only checked events, and logs what it
//! refuses (rate-limited per client); it never writes (see stream.rs). It ends by telling the
//! hub why (`Event::Gone`), and drops its [`Places`] so that one more connection may be taken.

use std::net::SocketAddr;

use crossbeam_channel::Sender;
use tungstenite::{Message, WebSocket};

use crate::end::End;
use crate::event::{ConnId, Event};
use crate::log_limited;
use crate::wire::{self, ErrorCode, WireError};
use crate::ws::places::Places;
use crate::ws::stream::ReaderStream;

/// The reader's stack. Its idle depth is a few KiB; the deep moment is serde_json parsing a
/// maximally nested frame (serde_json stops at 128 levels), which debug builds need room for.
/// Only touched pages are resident, so an idle connection costs what it touches, not this.
pub const STACK_SIZE: usize = 256 * 1024;

/// What the connection is for.
#[derive(Debug, Clone, Copy)]
pub enum Mode {
    Chat { max_text: usize },
    Echo,
}

/// What one incoming message means for the hub.
enum Step {
    Tell(Event),
    Nothing,
    Stop(End),
}

pub fn run(
    conn: ConnId,
    peer: SocketAddr,
    mut ws: WebSocket<ReaderStream>,
    hub: Sender<Event>,
    mode: Mode,
    _places: Places,
) {
    let end = loop {
        // Blocks until the client sends, goes, falls silent past the deadline, or the hub shuts
        // the socket down.
        let step = match ws.read() {
            Ok(message) => interpret(conn, peer, message, mode),
            Err(err) => Step::Stop(End::from_read_error(err)),
        };
        match step {
            // Blocks while the hub's inbox is full; fails only when the hub has stopped.
            Step::Tell(event) => {
                if hub.send(event).is_err() {
                    return;
                }
            }
            Step::Nothing => {}
            Step::Stop(end) => break end,
        }
    };
    let _ = hub.send(Event::Gone { conn, end });
}

/// Turns one WebSocket message into what the hub must do about it.
fn interpret(conn: ConnId, peer: SocketAddr, message: Message, mode: Mode) -> Step {
    match (message, mode) {
        (Message::Text(text), Mode::Chat { max_text }) => {
            match wire::parse_client_frame(text.as_str(), max_text) {
                Ok(frame) => Step::Tell(Event::Frame { conn, frame }),
                Err(error) => refuse(conn, peer, error),
            }
        }
        (Message::Binary(_), Mode::Chat { .. }) => refuse(
            conn,
            peer,
            WireError::new(
                ErrorCode::BinaryFrame,
                "frames must be JSON text, not binary",
            ),
        ),
        (Message::Text(text), Mode::Echo) => Step::Tell(Event::Echo {
            conn,
            payload: text.into(),
            binary: false,
        }),
        (Message::Binary(payload), Mode::Echo) => Step::Tell(Event::Echo {
            conn,
            payload,
            binary: true,
        }),
        (Message::Ping(payload), _) => Step::Tell(Event::Ping { conn, payload }),
        // Any frame at all has already reset the idle deadline; a Pong needs nothing more.
        (Message::Pong(_), _) => Step::Nothing,
        (Message::Close(frame), _) => Step::Stop(End::PeerClosed(frame.map(|f| f.code.into()))),
        // read() assembles fragments into messages; it never hands out a raw frame.
        (Message::Frame(_), _) => Step::Nothing,
    }
}

/// Logs a refused frame (a few lines a minute per client at most) and has the hub answer it.
fn refuse(conn: ConnId, peer: SocketAddr, error: WireError) -> Step {
    log_limited!(
        "refused frames",
        peer.ip(),
        "refused a frame from {peer}: {}",
        error.code
    );
    Step::Tell(Event::Reject { conn, error })
}
