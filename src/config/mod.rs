//! The server's settings and the limits they set, each with a default sized for a classroom on a
//! small machine. `flags` reads them from the command line, and `--help` lists them all.

mod flags;

pub use flags::{Command, USAGE, parse};

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// Everything the server needs to start.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where the page and `/api/info` are served.
    pub http_addr: SocketAddr,
    /// Where WebSocket clients connect.
    pub ws_addr: SocketAddr,
    /// The folder of static files served at `/`.
    pub www: PathBuf,
    /// Extra origins allowed to open a WebSocket, besides the page's own.
    pub allow_origins: Vec<String>,
    /// Echo every message back to its sender instead of chatting (for conformance suites).
    pub echo: bool,
    /// Where the store lives.
    pub data: PathBuf,
    pub history: HistorySettings,
    pub accounts: AccountSettings,
    pub limits: Limits,
    pub http: HttpLimits,
}

/// How much history the store keeps, and where.
#[derive(Debug, Clone, Copy)]
pub struct HistorySettings {
    /// Messages older than this are removed.
    pub max_age: Duration,
    /// At most this many messages are kept, if set.
    pub max_messages: Option<u64>,
    /// A message's client id is remembered this long, to recognise a retry.
    pub retry_window: Duration,
    /// `--in-memory`: keep the store in memory only, nothing on disk (benchmarks, a throwaway
    /// demo): nothing survives a restart.
    pub in_memory: bool,
    /// Under this many MiB free on the store's disk, new messages are refused (0: never).
    pub min_free_mib: u64,
}

impl Default for HistorySettings {
    fn default() -> Self {
        HistorySettings {
            max_age: Duration::from_secs(30 * 24 * 3600),
            max_messages: None,
            retry_window: Duration::from_secs(24 * 3600),
            in_memory: false,
            // Room for the sign-ins, sessions and room changes that go on, and for the rest of
            // the machine: a full disk hurts more than the chat.
            min_free_mib: 64,
        }
    }
}

/// Who may chat, and how sign-ins are paced.
#[derive(Debug, Clone)]
pub struct AccountSettings {
    /// `--guests`: anyone picks a free name, no accounts (v1's entry, for a quick demo).
    pub guests: bool,
    /// A new store's registration needs this code (an existing store keeps its setting).
    pub join_code: Option<String>,
    /// `--owner NAME`: this existing account is made an owner at start-up.
    pub owner: Option<String>,
    /// A session unused this long expires.
    pub session_expiry: Duration,
    /// Password hashes computed at once, each on an `auth` thread.
    pub hashers: usize,
    /// Sign-in and registration attempts per minute from one address.
    pub auth_rate: u32,
}

impl Default for AccountSettings {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        AccountSettings {
            guests: false,
            join_code: None,
            owner: None,
            session_expiry: Duration::from_secs(7 * 24 * 3600),
            // One core is left for the chat and the page.
            hashers: cores.saturating_sub(1).max(1),
            auth_rate: 30,
        }
    }
}

/// The bounds on the HTTP side, enforced by the guard in front of tiny_http.
#[derive(Debug, Clone, Copy)]
pub struct HttpLimits {
    /// HTTP connections at once, each with a thread; when full, the one that has waited longest
    /// for its client is closed.
    pub max_connections: usize,
    /// HTTP connections at once from one client address (all of loopback is one, IPv6 counts per
    /// /64: see `address.rs`); when full, that address's longest-waiting one is closed, and if
    /// all of them are being served the newcomer gets 429.
    pub max_per_address: usize,
    /// A request (head and body) must arrive within this.
    pub request_timeout: Duration,
    /// An open connection may wait this long for its next request.
    pub keep_alive: Duration,
    /// Bytes in a request body; more is refused with 413.
    pub max_body: usize,
}

impl Default for HttpLimits {
    fn default() -> Self {
        HttpLimits {
            max_connections: 256,
            // A lab of 30 behind one address, each browser opening up to 6 connections for a page,
            // rarely has more than a few dozen in flight at once: half the port leaves room.
            max_per_address: 128,
            request_timeout: Duration::from_secs(10),
            keep_alive: Duration::from_secs(5),
            max_body: 16 * 1024,
        }
    }
}

/// The default of `--presence-grace`: a reload or a network switch reconnects well within it.
pub const PRESENCE_GRACE: Duration = Duration::from_secs(5);

/// The bounds that keep one client from costing everyone else.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Bytes of UTF-8 in one chat message's `text`.
    pub max_text: usize,
    /// Bytes in one WebSocket message or frame, enforced by tungstenite while reading.
    pub max_message: usize,
    /// Open WebSocket connections, handshakes included; more are refused with 503.
    pub max_connections: usize,
    /// Open WebSocket connections of one account (or guest name); more are refused with 429.
    pub max_connections_per_user: usize,
    /// Open WebSocket connections from one address (see `address.rs`); more are refused with 429.
    pub max_connections_per_address: usize,
    /// Bytes waiting for one client that is not reading; past this it is disconnected (1013).
    pub max_backlog: usize,
    /// Bytes waiting for all clients together; past this the client with the most waiting is
    /// disconnected (1013), so that a crowd of sockets that never read costs bounded memory.
    pub max_backlog_total: usize,
    /// How long a connection may be silent before the hub pings it (checked every half interval,
    /// so the Ping goes out up to half an interval later).
    pub ping_interval: Duration,
    /// How long a connection may send nothing at all (not even a Pong) before it is dropped.
    pub idle_timeout: Duration,
    /// Rooms in all; `create` past it is refused.
    pub max_rooms: usize,
    /// Rooms one user may be a member of.
    pub max_rooms_per_user: usize,
    /// Messages one user may send per second on average, all their connections together...
    pub send_rate: u32,
    /// ...and at most this many at once.
    pub send_burst: u32,
    /// How long after sending its author may edit or delete a message.
    pub edit_window: Duration,
    /// How long a minute of a mute lasts, and how long a password reset code is valid: a
    /// minute and four hours; tests shorten them, as no flag does.
    pub mute_minute: Duration,
    pub reset_code_valid: Duration,
    /// `create`, `join` and `leave` one user may send at once (each is a `joined` or `left` to
    /// every member of the room)...
    pub room_change_burst: u32,
    /// ...and then one per this long. Not flags: tests lift them, a class needs no other.
    pub room_change_every: Duration,
    /// Rooms one user may create a day (all at once if rested; then one per 24 h / this).
    pub max_rooms_per_day: u32,
    /// Bytes one user's messages may add to the disk a day: their text, plus a fixed cost per
    /// message; the budget refills steadily. Kept in memory: a restart gives everyone a full
    /// budget.
    pub daily_message_bytes: u32,
    /// A user whose last connection ends is announced offline only if they have not come back
    /// within this: a reconnect (a reload, a flaky network) is no news to anyone.
    pub presence_grace: Duration,
}

/// The most bytes one answer built for one client holds (a welcome, a page of history, of a
/// replay, of rooms or of members), however large `--max-backlog`: the protocol promises a welcome
/// of at most this.
const MAX_REPLY_BYTES: usize = 64 * 1024;

/// An answer's bytes at most, as a share of `--max-backlog`. The few answers a client may have on
/// their way at once (its welcome, a replay page, a history page, a page of members) then fit in
/// its backlog together, with room to spare for the live chat: a client is never evicted for
/// what it asked for.
const REPLY_SHARE_OF_BACKLOG: usize = 8;

impl Limits {
    /// The bytes one answer to one client may hold (see `REPLY_SHARE_OF_BACKLOG`): 32 KiB with
    /// the default `--max-backlog`. A page holds at least one item whatever its size, so that
    /// paging always moves on.
    pub fn reply_bytes(&self) -> usize {
        (self.max_backlog / REPLY_SHARE_OF_BACKLOG).min(MAX_REPLY_BYTES)
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_text: 4096,
            max_message: 64 * 1024,
            max_connections: 10_000,
            // One student: a laptop and a phone, a few tabs on each.
            max_connections_per_user: 8,
            // A lab of 30 behind one address (a school's NAT), a few tabs each.
            max_connections_per_address: 256,
            max_backlog: 256 * 1024,
            max_backlog_total: 64 * 1024 * 1024,
            ping_interval: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(75),
            max_rooms: 1000,
            max_rooms_per_user: 100,
            send_rate: 10,
            send_burst: 20,
            // Zulip's default: long enough to see a typo, short enough that a thread stays true.
            edit_window: Duration::from_secs(600),
            mute_minute: Duration::from_secs(60),
            reset_code_valid: Duration::from_secs(4 * 3600),
            // Ten at once (a student setting up their rooms), then one a second.
            room_change_burst: 10,
            room_change_every: Duration::from_secs(1),
            max_rooms_per_day: 10,
            daily_message_bytes: 4 * 1024 * 1024,
            presence_grace: PRESENCE_GRACE,
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            http_addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
            ws_addr: SocketAddr::from(([127, 0, 0, 1], 8081)),
            www: PathBuf::from("www"),
            allow_origins: Vec::new(),
            echo: false,
            data: PathBuf::from("data"),
            history: HistorySettings::default(),
            accounts: AccountSettings::default(),
            limits: Limits::default(),
            http: HttpLimits::default(),
        }
    }
}
