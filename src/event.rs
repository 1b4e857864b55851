//! The hub's inbox: everything a connection thread tells the hub.
//!
//! Connections never touch chat state or write to a socket themselves; they describe what happened
//! as an [`Event`] and send it on the hub's one bounded channel. The channel's capacity is
//! [`INBOX_CAPACITY`]; when it is full, a sender blocks, which stops that client's reads, so its
//! own TCP window fills and it slows down: backpressure reaches the sender, never anyone else.

use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;

use tungstenite::Bytes;

use crate::auth::token::SessionId;
use crate::end::{End, SignOut};
use crate::roles::Role;
use crate::store::{Page, Stored};
use crate::wire::{ClientFrame, WireError};

/// Events waiting for the hub. Sized for a burst from every client of a full classroom at once
/// several times over; a full inbox makes readers wait (see the module doc), it loses nothing.
pub const INBOX_CAPACITY: usize = 4096;

/// A connection's number, unique for the server's life.
pub type ConnId = u64;

/// Who a new connection is, as its handshake found: the kinds the hub treats differently.
#[derive(Debug)]
pub enum Arrival {
    /// Echo mode (`--echo`): no name, no welcome, every message comes back to its sender.
    Echo,
    /// An account's owner, with the session they signed in with.
    Account {
        name: String,
        session: SessionId,
        /// `?since=SEQ`: the last message this client has; it is sent everything after it.
        since: Option<u64>,
    },
    /// Under `--guests`: a guest, whose name the hub still checks is free.
    Guest { name: String, since: Option<u64> },
    /// A chat connection refused before it joined: the hub sends this error, then Close 1008.
    Refused(WireError),
}

/// What a connection thread tells the hub.
#[derive(Debug)]
pub enum Event {
    /// The handshake finished. The hub takes a handle to the socket: it is the only writer.
    Join {
        conn: ConnId,
        peer: SocketAddr,
        socket: Arc<TcpStream>,
        arrival: Arrival,
    },
    /// A valid chat frame from a client (a message, a room change, a request).
    Frame { conn: ConnId, frame: ClientFrame },
    /// Echo mode: send this message back to its sender unchanged.
    Echo {
        conn: ConnId,
        payload: Bytes,
        binary: bool,
    },
    /// A frame the server refuses; the hub writes this `error` frame back.
    Reject { conn: ConnId, error: WireError },
    /// The peer pinged; the hub writes the Pong (the reader cannot write).
    Ping { conn: ConnId, payload: Bytes },
    /// The connection's reader stopped, for this reason.
    Gone { conn: ConnId, end: End },
    /// These sessions ended (from the store): close their connections, saying why.
    SessionsEnded(Vec<(SessionId, SignOut)>),
    /// A user registered (from the store): they can be written to, and are in `general`.
    UserAdded { name: String },
    /// An account was made an owner (from the store: the setup link, `--owner`).
    RoleSet { user_key: String, role: Role },
    /// The store's answer to the hub's changes: the messages it made durable (or could not), in
    /// `seq` order, now to be seen. Sent for every group of changes, even without messages.
    Stored(Vec<Stored>),
    /// A history page for a connection (from the `history` thread), encoded.
    History { conn: ConnId, json: String },
    /// A page of what a reconnecting connection missed (from the `history` thread).
    Replay { conn: ConnId, page: Page },
    /// The `history` thread could not answer this connection's query.
    HistoryFailed { conn: ConnId },
    /// Close every connection with 1001 and stop.
    Shutdown,
}
