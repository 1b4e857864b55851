//! The rate limit on lines that one client can cause over and over.
//!
//! Each (kind, client) pair gets a window of [`WINDOW`]: the first [`LINES_PER_WINDOW`] lines in
//! it are written, the rest only counted. When the window ends, a count above zero becomes one
//! summary line. Windows are opened in time order, so a queue of their ends is already sorted and
//! the `log` thread needs to look only at its front to know when to wake next.

use std::collections::{HashMap, VecDeque};
use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

/// How long a client's window lasts.
pub const WINDOW: Duration = Duration::from_secs(60);

/// Lines written per client and kind in one window; enough to see what is going on.
pub const LINES_PER_WINDOW: u32 = 3;

/// Clients tracked at once. Past this (a flood from many addresses), further clients share one
/// window under the unspecified address, so the limiter's memory stays bounded.
const MAX_CLIENTS: usize = 4096;

/// What a rate-limited line is about: its kind and the client that caused it.
pub type Key = (&'static str, IpAddr);

/// The lines of one window that were counted instead of written.
#[derive(Debug, PartialEq, Eq)]
pub struct Summary {
    pub kind: &'static str,
    pub client: IpAddr,
    pub suppressed: u64,
    pub window: Duration,
}

#[derive(Debug)]
struct Window {
    written: u32,
    suppressed: u64,
}

#[derive(Debug, Default)]
pub struct Limiter {
    open: HashMap<Key, Window>,
    /// When each open window ends, oldest first.
    ends: VecDeque<(Instant, Key)>,
}

impl Limiter {
    /// Whether a line with this key may be written now; counts it if not.
    pub fn admit(&mut self, key: Key, now: Instant) -> bool {
        let key = match self.open.contains_key(&key) || self.open.len() < MAX_CLIENTS {
            true => key,
            false => (key.0, IpAddr::V4(Ipv4Addr::UNSPECIFIED)),
        };
        let window = self.open.entry(key).or_insert_with(|| {
            self.ends.push_back((now + WINDOW, key));
            Window {
                written: 0,
                suppressed: 0,
            }
        });
        if window.written < LINES_PER_WINDOW {
            window.written += 1;
            true
        } else {
            window.suppressed += 1;
            false
        }
    }

    /// When the oldest open window ends.
    pub fn next_due(&self) -> Option<Instant> {
        self.ends.front().map(|(end, _)| *end)
    }

    /// Closes the windows that have ended by `now`; returns those that counted something.
    pub fn expire(&mut self, now: Instant) -> Vec<Summary> {
        let mut summaries = Vec::new();
        while let Some(&(_, key)) = self.ends.front().filter(|(end, _)| *end <= now) {
            self.ends.pop_front();
            if let Some(window) = self.open.remove(&key).filter(|w| w.suppressed > 0) {
                summaries.push(Summary {
                    kind: key.0,
                    client: key.1,
                    suppressed: window.suppressed,
                    window: WINDOW,
                });
            }
        }
        summaries
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALICE: IpAddr = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1));
    const BOB: IpAddr = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2));

    #[test]
    fn writes_a_few_lines_per_client_then_counts() {
        let mut limiter = Limiter::default();
        let now = Instant::now();
        let admitted = (0..10)
            .filter(|_| limiter.admit(("refused frames", ALICE), now))
            .count();
        assert_eq!(admitted, LINES_PER_WINDOW as usize);
        assert!(
            limiter.admit(("refused frames", BOB), now),
            "another client has its own window"
        );
        assert!(
            limiter.admit(("refused handshakes", ALICE), now),
            "another kind too"
        );
    }

    #[test]
    fn a_window_ends_with_one_summary() {
        let mut limiter = Limiter::default();
        let start = Instant::now();
        for _ in 0..10 {
            limiter.admit(("refused frames", ALICE), start);
        }
        limiter.admit(("refused frames", BOB), start);
        assert_eq!(limiter.next_due(), Some(start + WINDOW));
        assert!(limiter.expire(start + WINDOW / 2).is_empty());
        let summaries = limiter.expire(start + WINDOW);
        assert_eq!(
            summaries,
            [Summary {
                kind: "refused frames",
                client: ALICE,
                suppressed: 7,
                window: WINDOW
            }],
            "bob had nothing suppressed, so no summary for him"
        );
        assert_eq!(limiter.next_due(), None);
        assert!(
            limiter.admit(("refused frames", ALICE), start + WINDOW),
            "a new window"
        );
    }

    #[test]
    fn memory_stays_bounded_under_many_clients() {
        let mut limiter = Limiter::default();
        let now = Instant::now();
        for i in 1..=(MAX_CLIENTS as u32 + 100) {
            limiter.admit(("refused handshakes", IpAddr::from(i.to_be_bytes())), now);
        }
        assert_eq!(limiter.open.len(), MAX_CLIENTS + 1);
    }
}
