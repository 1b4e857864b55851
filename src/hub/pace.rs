//! How often one user may post and say they are typing: what keeps one user from flooding a room.
//!
//! Messages follow the generic cell rate algorithm: each message moves a "theoretical arrival
//! time" one interval (a second divided by `--send-rate`) later, and a message is refused while
//! that time is more than `burst` intervals in the future. That is a token bucket with one number
//! of state and nothing to refill. Typing notices are relayed at most once per [`TYPING_EVERY`]
//! per conversation; the page sends them about that often anyway.

use std::time::{Duration, Instant};

/// Typing notices relayed per user and conversation: at most one in this long.
pub const TYPING_EVERY: Duration = Duration::from_secs(2);

/// Conversations whose last typing notice is remembered per user; older ones are forgotten (at
/// worst one more notice gets through).
const TYPING_REMEMBERED: usize = 8;

/// The allowed rate of messages: `per_second` on average, up to `burst` at once.
#[derive(Debug, Clone, Copy)]
pub struct Rate {
    pub per_second: u32,
    pub burst: u32,
}

#[derive(Debug, Default)]
pub struct Pace {
    /// When the next message would be on time at the average rate.
    due: Option<Instant>,
    /// Per conversation, when a typing notice was last relayed.
    typing: Vec<(String, Instant)>,
}

impl Pace {
    /// Counts a message sent `now`, or says how long to wait before one is allowed.
    pub fn message(&mut self, rate: Rate, now: Instant) -> Result<(), Duration> {
        let interval = Duration::from_secs(1) / rate.per_second.max(1);
        let due = self.due.map_or(now, |due| due.max(now));
        let ahead = due - now;
        let tolerance = interval * rate.burst.saturating_sub(1);
        if ahead > tolerance {
            return Err(ahead - tolerance);
        }
        self.due = Some(due + interval);
        Ok(())
    }

    /// Whether a typing notice in `conversation` is relayed now; counts it if so.
    pub fn typing(&mut self, conversation: &str, now: Instant) -> bool {
        match self.typing.iter_mut().find(|(c, _)| c == conversation) {
            Some((_, last)) if now.duration_since(*last) < TYPING_EVERY => false,
            Some((_, last)) => {
                *last = now;
                true
            }
            None => {
                if self.typing.len() >= TYPING_REMEMBERED {
                    self.typing.remove(0);
                }
                self.typing.push((conversation.to_owned(), now));
                true
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_then_the_average_rate() {
        let rate = Rate {
            per_second: 10,
            burst: 3,
        };
        let mut pace = Pace::default();
        let now = Instant::now();
        for _ in 0..3 {
            assert_eq!(pace.message(rate, now), Ok(()));
        }
        let wait = pace.message(rate, now).unwrap_err();
        assert_eq!(wait, Duration::from_millis(100));
        assert_eq!(pace.message(rate, now + wait), Ok(()));
        let rested = now + Duration::from_secs(10);
        for _ in 0..3 {
            assert_eq!(
                pace.message(rate, rested),
                Ok(()),
                "a rest refills the burst"
            );
        }
        assert!(pace.message(rate, rested).is_err());
    }

    #[test]
    fn typing_is_relayed_once_per_interval_per_conversation() {
        let mut pace = Pace::default();
        let now = Instant::now();
        assert!(pace.typing("r/math", now));
        assert!(!pace.typing("r/math", now + Duration::from_millis(500)));
        assert!(pace.typing("d/bob", now), "another conversation");
        assert!(pace.typing("r/math", now + TYPING_EVERY));
    }
}
