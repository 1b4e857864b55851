//! The command line: `--help`'s text, and the flags read into a [`Config`].
//!
//! Hand-parsed: each flag is one line of a `match`, which three dozen flags do not need an
//! argument-parsing crate for. Values are checked as they are read, and combinations that would
//! make the server misbehave are refused before it starts.

use std::path::PathBuf;
use std::time::Duration;

use super::{Config, Limits};

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
       threadchat chat URL     a terminal client for the server whose page is at URL
                               (`threadchat chat -h` says more)

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
  --min-free-space MIB    refuse new messages while the store's disk has less free (0: never)
                                                         [default: 64]
  --guests                no accounts: anyone picks a free name (a quick demo)
  --join-code CODE        a new store's registration needs this code (owners change it later)
  --owner NAME            make this existing account an owner (scripts, recovery)
  --session-expiry SECS   a session unused this long ends [default: 604800, 7 days]
  --hashers N             password hashes computed at once [default: cores - 1, at least 1]
  --auth-rate N           sign-in attempts per minute from one address [default: 30]
  --allow-origin ORIGIN   also accept WebSockets from this page origin (repeatable)
  --max-text BYTES        longest message text           [default: 4096]
  --max-message BYTES     largest WebSocket message      [default: 65536]
  --max-connections N     most open connections          [default: 10000]
  --max-connections-per-user N  open connections of one account (its tabs and devices)
                                                         [default: 8]
  --max-connections-per-address N  open connections from one address (a lab behind one)
                                                         [default: 256]
  --max-backlog BYTES     bytes queued for a slow client before it is dropped [default: 262144]
  --max-backlog-total BYTES  bytes queued for all clients together; past it the one with the
                          most queued is dropped  [default: 67108864, 64 MiB]
  --ping-interval SECS    ping a connection silent this long (checked every half interval)
                                                         [default: 30]
  --idle-timeout SECS     drop a connection silent this long [default: 75]
  --max-rooms N           rooms in all                   [default: 1000]
  --max-rooms-per-user N  rooms one user may be a member of [default: 100]
  --send-rate N           messages per second one user may send on average [default: 10]
  --send-burst N          ...and at most this many at once [default: 20]
  --edit-window SECS      how long after sending its author may edit or delete a message
                                                         [default: 600]
  --max-rooms-per-day N   rooms one user may create a day [default: 10]
  --daily-message-bytes BYTES  bytes one user's messages may add a day (text + 128 each)
                                                         [default: 4194304, 4 MiB]
  --presence-grace SECS   a user gone is announced offline only after this [default: 5]
  --max-http-connections N  HTTP connections at once; when full, the longest-waiting is closed
                                                         [default: 256]
  --max-http-per-address N  HTTP connections at once from one address (all of loopback is one);
                          when full, its longest-waiting is closed, else 429 [default: 128]
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
            "--min-free-space" => config.history.min_free_mib = parse_value(&flag, &value()?)?,
            "--guests" => config.accounts.guests = true,
            "--join-code" => config.accounts.join_code = Some(value()?),
            "--owner" => config.accounts.owner = Some(value()?),
            "--session-expiry" => config.accounts.session_expiry = parse_seconds(&flag, &value()?)?,
            "--hashers" => config.accounts.hashers = parse_positive(&flag, &value()?)?,
            "--auth-rate" => config.accounts.auth_rate = parse_count(&flag, &value()?)?,
            "--allow-origin" => config.allow_origins.push(value()?),
            "--max-text" => limits.max_text = parse_positive(&flag, &value()?)?,
            "--max-message" => limits.max_message = parse_positive(&flag, &value()?)?,
            "--max-connections" => limits.max_connections = parse_positive(&flag, &value()?)?,
            "--max-connections-per-user" => {
                limits.max_connections_per_user = parse_positive(&flag, &value()?)?
            }
            "--max-connections-per-address" => {
                limits.max_connections_per_address = parse_positive(&flag, &value()?)?
            }
            "--max-backlog" => limits.max_backlog = parse_positive(&flag, &value()?)?,
            "--max-backlog-total" => limits.max_backlog_total = parse_positive(&flag, &value()?)?,
            "--ping-interval" => limits.ping_interval = parse_seconds(&flag, &value()?)?,
            "--idle-timeout" => limits.idle_timeout = parse_seconds(&flag, &value()?)?,
            "--max-rooms" => limits.max_rooms = parse_positive(&flag, &value()?)?,
            "--max-rooms-per-user" => limits.max_rooms_per_user = parse_positive(&flag, &value()?)?,
            "--send-rate" => limits.send_rate = parse_count(&flag, &value()?)?,
            "--send-burst" => limits.send_burst = parse_count(&flag, &value()?)?,
            "--edit-window" => limits.edit_window = parse_seconds(&flag, &value()?)?,
            "--max-rooms-per-day" => limits.max_rooms_per_day = parse_count(&flag, &value()?)?,
            "--daily-message-bytes" => limits.daily_message_bytes = parse_count(&flag, &value()?)?,
            "--presence-grace" => limits.presence_grace = parse_seconds(&flag, &value()?)?,
            "--max-http-connections" => {
                config.http.max_connections = parse_positive(&flag, &value()?)?
            }
            "--max-http-per-address" => {
                config.http.max_per_address = parse_positive(&flag, &value()?)?
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
    if config.accounts.guests && config.accounts.owner.is_some() {
        return Err("--owner needs accounts; it cannot go with --guests".into());
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
    // A message of the longest text (and what it costs besides) must fit a rested budget, or it
    // could never be sent.
    if limits.max_text * 2 > limits.daily_message_bytes as usize {
        return Err("--daily-message-bytes must be at least twice --max-text".into());
    }
    if limits.max_backlog_total < limits.max_backlog {
        return Err("--max-backlog-total cannot be less than --max-backlog".into());
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
            "--www",
            "site",
            "--data",
            "/tmp/chat",
            "--in-memory",
            "--history-days",
            "2",
            "--history-messages",
            "500",
            "--retry-window",
            "60",
            "--min-free-space",
            "0",
            "--join-code",
            "maths-7b",
            "--session-expiry",
            "3600",
            "--hashers",
            "3",
            "--auth-rate",
            "12",
            "--echo",
            "--max-text",
            "10",
            "--max-message",
            "2048",
            "--max-connections",
            "40",
            "--max-connections-per-user",
            "2",
            "--max-connections-per-address",
            "30",
            "--max-backlog",
            "4096",
            "--max-backlog-total",
            "65536",
            "--allow-origin",
            "http://a",
            "--allow-origin",
            "http://b",
            "--idle-timeout",
            "2.5",
            "--ping-interval",
            "0.5",
            "--max-rooms",
            "7",
            "--max-rooms-per-user",
            "3",
            "--send-rate",
            "5",
            "--send-burst",
            "9",
            "--edit-window",
            "30",
            "--max-rooms-per-day",
            "4",
            "--daily-message-bytes",
            "5000",
            "--presence-grace",
            "0.5",
            "--max-http-connections",
            "16",
            "--max-http-per-address",
            "6",
            "--request-timeout",
            "4",
            "--keep-alive",
            "1.5",
            "--max-body",
            "512",
        ])
        .unwrap();
        assert_eq!(config.http_addr.port(), 0);
        assert_eq!(config.ws_addr.port(), 9000);
        assert_eq!(config.www, PathBuf::from("site"));
        assert_eq!(config.data, PathBuf::from("/tmp/chat"));
        let history = config.history;
        assert!(history.in_memory);
        assert_eq!(history.max_age, Duration::from_secs(2 * 24 * 3600));
        assert_eq!(history.max_messages, Some(500));
        assert_eq!(history.retry_window, Duration::from_secs(60));
        assert_eq!(history.min_free_mib, 0);
        let accounts = &config.accounts;
        assert!(!accounts.guests);
        assert_eq!(accounts.join_code.as_deref(), Some("maths-7b"));
        assert_eq!(accounts.session_expiry, Duration::from_secs(3600));
        assert_eq!((accounts.hashers, accounts.auth_rate), (3, 12));
        assert!(config.echo);
        assert_eq!(config.allow_origins, ["http://a", "http://b"]);
        let limits = config.limits;
        assert_eq!((limits.max_text, limits.max_message), (10, 2048));
        assert_eq!((limits.max_connections, limits.max_backlog), (40, 4096));
        assert_eq!(limits.max_connections_per_user, 2);
        assert_eq!(limits.max_connections_per_address, 30);
        assert_eq!(limits.max_backlog_total, 65536);
        assert_eq!(limits.idle_timeout, Duration::from_millis(2500));
        assert_eq!(limits.ping_interval, Duration::from_millis(500));
        assert_eq!((limits.max_rooms, limits.max_rooms_per_user), (7, 3));
        assert_eq!((limits.send_rate, limits.send_burst), (5, 9));
        assert_eq!(limits.edit_window, Duration::from_secs(30));
        assert_eq!(
            (limits.max_rooms_per_day, limits.daily_message_bytes),
            (4, 5000)
        );
        assert_eq!(limits.presence_grace, Duration::from_millis(500));
        let http = config.http;
        assert_eq!((http.max_connections, http.max_body), (16, 512));
        assert_eq!(http.max_per_address, 6);
        assert_eq!(http.request_timeout, Duration::from_secs(4));
        assert_eq!(http.keep_alive, Duration::from_millis(1500));
        assert!(run(&["--guests"]).unwrap().accounts.guests);
    }

    // Every flag the parser reads is in --help, and every flag in --help is read.
    #[test]
    fn help_lists_every_flag() {
        let listed: Vec<&str> = USAGE
            .split_whitespace()
            .filter(|word| word.starts_with("--") && word.len() > 2)
            .collect();
        let file = include_str!("flags.rs");
        let source = &file[..file.find("#[cfg(test)]").unwrap_or(file.len())];
        for flag in &listed {
            assert!(
                source.contains(&format!("\"{flag}\"")),
                "{flag} is in --help but not read"
            );
        }
        let read = source
            .split('"')
            .filter(|s| s.starts_with("--") && s.len() > 2 && !s.contains(' '));
        for flag in read {
            assert!(listed.contains(&flag), "{flag} is read but not in --help");
        }
    }

    #[test]
    fn refuses_bad_values() {
        assert!(run(&["--http", "nowhere"]).is_err());
        assert!(run(&["--max-text"]).is_err());
        assert!(run(&["--max-text", "0"]).is_err());
        assert!(run(&["--bogus"]).is_err());
        assert!(run(&["--ping-interval", "80"]).is_err());
        assert!(run(&["--idle-timeout", "NaN"]).is_err());
        assert!(run(&["--guests", "--join-code", "x"]).is_err());
        assert!(run(&["--join-code", ""]).is_err());
        assert!(run(&["--send-rate", "5000000000"]).is_err());
        assert!(
            run(&["--daily-message-bytes", "8000"]).is_err(),
            "not twice --max-text"
        );
        assert!(
            run(&["--max-backlog-total", "1000"]).is_err(),
            "less than --max-backlog"
        );
    }

    #[test]
    fn help_and_version_win() {
        assert!(matches!(parse(["--help".to_string()]), Ok(Command::Help)));
        assert!(matches!(parse(["-V".to_string()]), Ok(Command::Version)));
    }
}
