//! How often one user may do what costs others something: post, say they are typing, change
//! rooms, create rooms, and fill the disk. What keeps one user, on all their connections together,
//! from flooding a room, its members' screens or the store.
//!
//! Every budget here follows the generic cell rate algorithm: each use moves a "theoretical
//! arrival time" one interval per unit of cost later, and a use is refused while that time would
//! land more than `burst` intervals in the future. That is a token bucket with one number of state
//! and nothing to refill; the refusal says how long to wait. The budgets, per user:
//!
//! - messages: `--send-rate` a second, bursts of `--send-burst` (`send` and `dm`);
//! - message bytes: `--daily-message-bytes` a day, the cost of a message being its text's bytes
//!   and a fixed cost for what else it takes on disk;
//! - room changes (`create`, `join`, `leave`: each is a frame to every member of the room): ten
//!   at once, then one a second (`Limits::room_change_burst`, `room_change_every`);
//! - rooms created: `--max-rooms-per-day` a day;
//! - typing notices: [`TYPING`], all conversations together, and at most one per
//!   [`TYPING_EVERY`] in each conversation (the page sends them about that often anyway);
//! - answers asked for (`rooms`, `members`, `history`: each builds a page of up to the reply
//!   budget): [`ASKS`].
//!
//! These live in the hub's memory only: a restart gives everyone full budgets again.

use std::time::{Duration, Instant};

use crate::wire::{ErrorCode, WireError};

/// Typing notices relayed per user and conversation: at most one in this long.
pub const TYPING_EVERY: Duration = Duration::from_secs(2);

/// Typing notices relayed per user, whatever conversations they name: one conversation's worth
/// on average, and a few at once for someone moving between conversations. Cycling through many
/// conversations relays no more than typing in one.
pub const TYPING: Rate = Rate {
    every: TYPING_EVERY,
    burst: 3,
};

/// Pages asked for per user (`rooms`, `members`, `history`), all kinds together. Each costs the
/// hub up to a reply budget of encoding (32 KiB by default), so a script asking in a loop would
/// otherwise keep the hub busy for everyone. The burst covers a page opening: a `members` page or
/// two for each of a user's 100 rooms, and the history of the conversation it opens.
pub const ASKS: Rate = Rate {
    every: Duration::from_millis(50),
    burst: 250,
};

/// Conversations whose last typing notice is remembered per user; older ones are forgotten. At
/// worst one more notice is relayed, within the per-user [`TYPING`] budget.
const TYPING_REMEMBERED: usize = 8;

const DAY: Duration = Duration::from_secs(24 * 3600);

/// A budget: one unit every `every` on average, up to `burst` units at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    pub every: Duration,
    pub burst: u32,
}

impl Rate {
    /// `per_second` units a second on average, up to `burst` at once.
    pub fn per_second(per_second: u32, burst: u32) -> Rate {
        Rate {
            every: Duration::from_secs(1) / per_second.max(1),
            burst,
        }
    }

    /// `per_day` units a day on average, all of them at once if rested.
    pub fn per_day(per_day: u32) -> Rate {
        Rate {
            every: DAY / per_day.max(1),
            burst: per_day,
        }
    }
}

/// One budget's state: when the next unit would be on time at the average rate.
#[derive(Debug, Default)]
struct Bucket {
    due: Option<Instant>,
}

impl Bucket {
    /// Spends `cost` units `now`, or says how long to wait until they are allowed.
    fn take(&mut self, rate: Rate, cost: u32, now: Instant) -> Result<(), Duration> {
        let due = self.due.map_or(now, |due| due.max(now));
        let after = due + rate.every * cost;
        let limit = now + rate.every * rate.burst;
        if after > limit {
            return Err(after - limit);
        }
        self.due = Some(after);
        Ok(())
    }
}

/// One user's budgets.
#[derive(Debug, Default)]
pub struct Pace {
    messages: Bucket,
    message_bytes: Bucket,
    room_changes: Bucket,
    rooms_created: Bucket,
    typing: Bucket,
    asks: Bucket,
    /// Per conversation, when a typing notice was last relayed.
    typing_seen: Vec<(String, Instant)>,
}

impl Pace {
    /// Counts a message sent `now`, or says how long to wait before one is allowed.
    pub fn message(&mut self, rate: Rate, now: Instant) -> Result<(), Duration> {
        self.messages.take(rate, 1, now)
    }

    /// Counts `bytes` of message text against a budget of `per_day` bytes a day.
    pub fn message_bytes(
        &mut self,
        per_day: u32,
        bytes: usize,
        now: Instant,
    ) -> Result<(), Duration> {
        let cost = u32::try_from(bytes).unwrap_or(u32::MAX);
        self.message_bytes.take(Rate::per_day(per_day), cost, now)
    }

    /// Counts a `create`, `join` or `leave`.
    pub fn room_change(&mut self, rate: Rate, now: Instant) -> Result<(), Duration> {
        self.room_changes.take(rate, 1, now)
    }

    /// Counts a room created, against `per_day` a day.
    pub fn room_created(&mut self, per_day: u32, now: Instant) -> Result<(), Duration> {
        self.rooms_created.take(Rate::per_day(per_day), 1, now)
    }

    /// Counts a page asked for (`rooms`, `members`, `history`), or says how long to wait.
    pub fn ask(&mut self, now: Instant) -> Result<(), Duration> {
        self.asks.take(ASKS, 1, now)
    }

    /// Whether a typing notice in `conversation` is relayed now; counts it if so.
    pub fn typing(&mut self, conversation: &str, now: Instant) -> bool {
        let seen = self.typing_seen.iter().position(|(c, _)| c == conversation);
        if let Some(at) = seen
            && now.duration_since(self.typing_seen[at].1) < TYPING_EVERY
        {
            return false;
        }
        if self.typing.take(TYPING, 1, now).is_err() {
            return false;
        }
        match seen {
            Some(at) => self.typing_seen[at].1 = now,
            None => {
                if self.typing_seen.len() >= TYPING_REMEMBERED {
                    self.typing_seen.remove(0);
                }
                self.typing_seen.push((conversation.to_owned(), now));
            }
        }
        true
    }
}

/// The refusal of something done too fast: `rate_limited`, saying when to try again.
pub fn too_fast(wait: Duration) -> WireError {
    let why = format!("slow down: try again in {} ms", wait.as_millis().max(1));
    WireError::new(ErrorCode::RateLimited, why)
}

/// A wait as a person reads it: "3 s", "12 min", "2 h 24 min".
pub fn in_words(wait: Duration) -> String {
    let secs = wait.as_secs().max(1);
    match secs {
        0..60 => format!("{secs} s"),
        60..3600 => format!("{} min", secs.div_ceil(60)),
        _ => format!("{} h {} min", secs / 3600, secs % 3600 / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_then_the_average_rate() {
        let rate = Rate::per_second(10, 3);
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

    #[test]
    fn typing_in_many_conversations_is_relayed_as_in_one() {
        let mut pace = Pace::default();
        let now = Instant::now();
        let relayed = (0..20)
            .filter(|n| pace.typing(&format!("d/user{n}"), now))
            .count();
        assert_eq!(relayed, TYPING.burst as usize);
        assert!(!pace.typing("d/another", now + TYPING_EVERY / 2));
        assert!(pace.typing("d/another", now + TYPING_EVERY));
    }

    #[test]
    fn a_daily_budget_counts_bytes_and_says_when_it_comes_back() {
        let mut pace = Pace::default();
        let now = Instant::now();
        assert_eq!(pace.message_bytes(1000, 600, now), Ok(()));
        let wait = pace.message_bytes(1000, 600, now).unwrap_err();
        assert_eq!(wait, DAY / 1000 * 200, "200 bytes short");
        assert_eq!(pace.message_bytes(1000, 400, now), Ok(()), "what is left");
        assert!(pace.message_bytes(1000, 1, now).is_err());
        assert_eq!(pace.message_bytes(1000, 1000, now + DAY), Ok(()));
    }

    #[test]
    fn rooms_created_and_room_changes_have_budgets_of_their_own() {
        let mut pace = Pace::default();
        let now = Instant::now();
        for _ in 0..3 {
            assert_eq!(pace.room_created(3, now), Ok(()));
        }
        assert_eq!(pace.room_created(3, now), Err(DAY / 3));
        let rate = Rate::per_second(1, 10);
        let changes = (0..100)
            .filter(|_| pace.room_change(rate, now).is_ok())
            .count();
        assert_eq!(changes, 10);
    }

    #[test]
    fn waits_read_as_words() {
        assert_eq!(in_words(Duration::from_millis(20)), "1 s");
        assert_eq!(in_words(Duration::from_secs(61)), "2 min");
        assert_eq!(
            in_words(Duration::from_secs(2 * 3600 + 24 * 60)),
            "2 h 24 min"
        );
    }
}
