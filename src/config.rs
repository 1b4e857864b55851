//! Command-line flags and the limits they set.
//!
//! Hand-parsed (a dozen flags do not need an argument-parsing crate). Every limit has a default
//! sized for a classroom on a small machine, and `--help` lists them all.

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

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_text: 4096,
            max_message: 64 * 1024,
            max_connections: 10_000,
            max_backlog: 256 * 1024,
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

/// What the command line asked for.
#[derive(Debug)]
pub enum Command {
    Run(Box<Config>),
    Help,
    Version,
}

pub const USAGE: &str = "\
threadchat: a real-time chat server on plain threads and blocking I/O

Usage: threadchat [OPTIONS]

Options:
  --http ADDR             serve the page here            [default: 127.0.0.1:8080]
  --ws ADDR               accept WebSockets here         [default: 127.0.0.1:8081]
                          (port 0 picks a free port; use 0.0.0.0:PORT to open to the LAN)
  --www DIR               folder of the web page         [default: www]
  --data DIR              folder of the store (accounts, rooms, messages) [default: data]
  --in-memory             keep the store in memory only: nothing survives a restart
  --history-days DAYS     remove messages older than this [default: 30]
  --history-messages N    keep at most this many messages [default: no limit]
  --retry-window SECS     how long a message's id is remembered to spot a retry [default: 86400]
  --guests                no accounts: anyone picks a free name (a quick demo)
  --join-code CODE        registering needs this code
  --session-expiry SECS   a session unused this long ends [default: 604800, 7 days]
  --hashers N             password hashes computed at once [default: cores - 1, at least 1]
  --auth-rate N           sign-in attempts per minute from one address [default: 30]
  --allow-origin ORIGIN   also accept WebSockets from this page origin (repeatable)
  --max-text BYTES        longest message text           [default: 4096]
  --max-message BYTES     largest WebSocket message      [default: 65536]
  --max-connections N     most open connections          [default: 10000]
  --max-backlog BYTES     bytes queued for a slow client before it is dropped [default: 262144]
  --ping-interval SECS    ping a connection silent this long (checked every half interval)
                                                         [default: 30]
  --idle-timeout SECS     drop a connection silent this long [default: 75]
  --max-rooms N           rooms in all                   [default: 1000]
  --max-rooms-per-user N  rooms one user may be a member of [default: 100]
  --send-rate N           messages per second one user may send on average [default: 10]
  --send-burst N          ...and at most this many at once [default: 20]
  --max-http-connections N  HTTP connections at once; when full, the longest-waiting is closed
                                                         [default: 256]
  --request-timeout SECS  an HTTP request must arrive within this [default: 10]
  --keep-alive SECS       an idle HTTP connection is closed after this [default: 5]
  --max-body BYTES        largest HTTP request body      [default: 16384]
  --echo                  echo every message to its sender (conformance testing)
  -h, --help              print this help
  -V, --version           print the version
";

/// Parses the arguments after the program name.
pub fn parse<I: IntoIterator<Item = String>>(args: I) -> Result<Command, String> {
    let mut config = Config::default();
    let mut args = args.into_iter();
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
        let limits = &mut config.limits;
        match flag.as_str() {
            "-h" | "--help" => return Ok(Command::Help),
            "-V" | "--version" => return Ok(Command::Version),
            "--echo" => config.echo = true,
            "--http" => config.http_addr = parse_value(&flag, &value()?)?,
            "--ws" => config.ws_addr = parse_value(&flag, &value()?)?,
            "--www" => config.www = PathBuf::from(value()?),
            "--data" => config.data = PathBuf::from(value()?),
            "--in-memory" => config.history.in_memory = true,
            "--history-days" => {
                let days = parse_seconds(&flag, &value()?)?;
                config.history.max_age = days * 24 * 3600;
            }
            "--history-messages" => {
                config.history.max_messages = Some(parse_positive(&flag, &value()?)? as u64)
            }
            "--retry-window" => config.history.retry_window = parse_seconds(&flag, &value()?)?,
            "--guests" => config.accounts.guests = true,
            "--join-code" => config.accounts.join_code = Some(value()?),
            "--session-expiry" => config.accounts.session_expiry = parse_seconds(&flag, &value()?)?,
            "--hashers" => config.accounts.hashers = parse_positive(&flag, &value()?)?,
            "--auth-rate" => config.accounts.auth_rate = parse_count(&flag, &value()?)?,
            "--allow-origin" => config.allow_origins.push(value()?),
            "--max-text" => limits.max_text = parse_positive(&flag, &value()?)?,
            "--max-message" => limits.max_message = parse_positive(&flag, &value()?)?,
            "--max-connections" => limits.max_connections = parse_positive(&flag, &value()?)?,
            "--max-backlog" => limits.max_backlog = parse_positive(&flag, &value()?)?,
            "--ping-interval" => limits.ping_interval = parse_seconds(&flag, &value()?)?,
            "--idle-timeout" => limits.idle_timeout = parse_seconds(&flag, &value()?)?,
            "--max-rooms" => limits.max_rooms = parse_positive(&flag, &value()?)?,
            "--max-rooms-per-user" => limits.max_rooms_per_user = parse_positive(&flag, &value()?)?,
            "--send-rate" => limits.send_rate = parse_count(&flag, &value()?)?,
            "--send-burst" => limits.send_burst = parse_count(&flag, &value()?)?,
            "--max-http-connections" => {
                config.http.max_connections = parse_positive(&flag, &value()?)?
            }
            "--request-timeout" => config.http.request_timeout = parse_seconds(&flag, &value()?)?,
            "--keep-alive" => config.http.keep_alive = parse_seconds(&flag, &value()?)?,
            "--max-body" => config.http.max_body = parse_positive(&flag, &value()?)?,
            other => return Err(format!("unknown option {other:?} (see --help)")),
        }
    }
    check(&config.limits)?;
    if config.accounts.guests && config.accounts.join_code.is_some() {
        return Err("--join-code needs accounts; it cannot go with --guests".into());
    }
    if config.accounts.join_code.as_deref() == Some("") {
        return Err("--join-code cannot be empty".into());
    }
    Ok(Command::Run(Box::new(config)))
}

/// Rejects combinations that would make the server misbehave.
fn check(limits: &Limits) -> Result<(), String> {
    // gorilla's rule: a ping must be able to arrive and be answered before the idle deadline.
    // It goes out up to half an interval late (the hub checks every half interval).
    if limits.ping_interval * 3 / 2 >= limits.idle_timeout {
        return Err("--idle-timeout must be more than 1.5 times --ping-interval".into());
    }
    if limits.max_text > limits.max_message {
        return Err("--max-text cannot exceed --max-message".into());
    }
    Ok(())
}

fn parse_value<T: std::str::FromStr>(flag: &str, value: &str) -> Result<T, String> {
    value
        .parse()
        .map_err(|_| format!("{flag}: cannot read {value:?}"))
}

fn parse_positive(flag: &str, value: &str) -> Result<usize, String> {
    match parse_value::<usize>(flag, value)? {
        0 => Err(format!("{flag} must be at least 1")),
        n => Ok(n),
    }
}

/// A positive count that fits a `u32`.
fn parse_count(flag: &str, value: &str) -> Result<u32, String> {
    u32::try_from(parse_positive(flag, value)?).map_err(|_| format!("{flag} is too large"))
}

fn parse_seconds(flag: &str, value: &str) -> Result<Duration, String> {
    let secs: f64 = parse_value(flag, value)?;
    if secs.is_finite() && secs > 0.0 && secs < 1e9 {
        Ok(Duration::from_secs_f64(secs))
    } else {
        Err(format!("{flag} must be a positive number of seconds"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(args: &[&str]) -> Result<Config, String> {
        match parse(args.iter().map(|s| s.to_string()))? {
            Command::Run(config) => Ok(*config),
            other => Err(format!("expected a config, got {other:?}")),
        }
    }

    #[test]
    fn defaults_listen_on_loopback() {
        let config = run(&[]).unwrap();
        assert!(config.http_addr.ip().is_loopback());
        assert!(config.ws_addr.ip().is_loopback());
        assert_eq!(config.limits.max_text, 4096);
    }

    #[test]
    fn reads_every_flag() {
        let config = run(&[
            "--http",
            "127.0.0.1:0",
            "--ws",
            "0.0.0.0:9000",
            "--echo",
            "--max-text",
            "10",
            "--allow-origin",
            "http://a",
            "--allow-origin",
            "http://b",
            "--idle-timeout",
            "2.5",
            "--ping-interval",
            "0.5",
        ])
        .unwrap();
        assert_eq!(config.http_addr.port(), 0);
        assert_eq!(config.ws_addr.port(), 9000);
        assert!(config.echo);
        assert_eq!(config.limits.max_text, 10);
        assert_eq!(config.allow_origins, ["http://a", "http://b"]);
        assert_eq!(config.limits.idle_timeout, Duration::from_millis(2500));
    }

    #[test]
    fn refuses_bad_values() {
        assert!(run(&["--http", "nowhere"]).is_err());
        assert!(run(&["--max-text"]).is_err());
        assert!(run(&["--max-text", "0"]).is_err());
        assert!(run(&["--bogus"]).is_err());
        assert!(run(&["--ping-interval", "80"]).is_err());
        assert!(run(&["--idle-timeout", "NaN"]).is_err());
    }

    #[test]
    fn help_and_version_win() {
        assert!(matches!(parse(["--help".to_string()]), Ok(Command::Help)));
        assert!(matches!(parse(["-V".to_string()]), Ok(Command::Version)));
    }
}
