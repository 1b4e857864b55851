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
}

impl Default for HistorySettings {
    fn default() -> Self {
        HistorySettings {
            max_age: Duration::from_secs(30 * 24 * 3600),
            max_messages: None,
            retry_window: Duration::from_secs(24 * 3600),
            in_memory: false,
        }
    }
}

/// Who may chat, and how sign-ins are paced.
#[derive(Debug, Clone)]
pub struct AccountSettings {
    /// `--guests`: anyone picks a free name, no accounts (v1's entry, for a quick demo).
    pub guests: bool,
    /// Registration needs this code.
    pub join_code: Option<String>,
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
            request_timeout: Duration::from_secs(10),
            keep_alive: Duration::from_secs(5),
            max_body: 16 * 1024,
        }
    }
}

/// The bounds that keep one client from costing everyone else.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Bytes of UTF-8 in one chat message's `text`.
    pub max_text: usize,
    /// Bytes in one WebSocket message or frame, enforced by tungstenite while reading.
    pub max_message: usize,
    /// Open WebSocket connections, handshakes included; more are refused with 503.
    pub max_connections: usize,
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
            max_backlog: 256 * 1024,
            max_backlog_total: 64 * 1024 * 1024,
            ping_interval: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(75),
            max_rooms: 1000,
            max_rooms_per_user: 100,
            send_rate: 10,
            send_burst: 20,
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
