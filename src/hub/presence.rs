//! Presence with a grace: a user whose last connection ends is announced offline only if they
//! have not come back within `--presence-grace` (5 s), so that a reload, a network switch or a
//! script reconnecting in a loop makes no `presence` frames at all.
//!
//! While the grace runs the user is still shown online (`User::shown_online`: in welcomes, the
//! room list, an introduction), so nobody learns of a departure that did not happen. The notices
//! due are kept here in the order they fall due (the grace is the same for everyone), and the hub
//! fires them from its timer: [`Departures::next_due`] is one of the instants `next_timer` wakes
//! at. Nothing polls.

use std::collections::VecDeque;
use std::time::Instant;

use crate::hub::chat::Chat;
use crate::hub::outbox::Outbox;

/// Offline notices that may fall due: (when, user key), oldest first. An entry is stale if its
/// user came back, or left again later (then a later entry stands for them): the user's own
/// `leaving` says which entry counts.
#[derive(Debug, Default)]
pub struct Departures {
    due: VecDeque<(Instant, String)>,
}

impl Departures {
    /// When the hub must wake for the next notice, if any is waiting.
    pub fn next_due(&self) -> Option<Instant> {
        self.due.front().map(|(at, _)| *at)
    }
}

impl Chat {
    /// A user's first connection opened: news to their contacts, unless they were only away
    /// for less than the grace (then nobody was told they left).
    pub(super) fn came_online(&mut self, out: &mut Outbox, key: &str) {
        let returning = self
            .dir
            .user_mut(key)
            .and_then(|user| user.leaving.take())
            .is_some();
        if !returning {
            self.presence(out, key, true);
        }
    }

    /// A user's last connection closed: their contacts hear of it when the grace has passed,
    /// if they have not come back by then.
    pub(super) fn went_offline(&mut self, key: &str, now: Instant) {
        let due = now + self.limits.presence_grace;
        if let Some(user) = self.dir.user_mut(key) {
            user.leaving = Some(due);
            self.departures.due.push_back((due, key.to_owned()));
        }
    }

    /// Sends the offline notices due by `now`; stale entries are dropped on the way.
    pub(super) fn announce_departures(&mut self, out: &mut Outbox, now: Instant) {
        while let Some((at, _)) = self.departures.due.front()
            && *at <= now
        {
            let Some((at, key)) = self.departures.due.pop_front() else {
                break;
            };
            let Some(user) = self.dir.user_mut(&key) else {
                continue;
            };
            if user.leaving == Some(at) {
                user.leaving = None;
                self.presence(out, &key, false);
            }
        }
    }
}
