//! Rate limits on sign-ins and registrations: token buckets per client address and per name.
//!
//! Per address ([`ClientKey`]: all of loopback is one, IPv6 counts by its /64), every attempt
//! costs a token (`--auth-rate` a minute), a wrong join code included: one machine cannot make
//! the server hash passwords all day, nor try join codes at will. Per name, a password guess (a
//! sign-in, or the old password of a change) costs one ([`NAME_GUESSES_PER_MINUTE`]), taken
//! *before* the password is checked and given back when it was right: sixteen guesses sent at
//! once cannot all be tried while the first is still being hashed, and an account's owner,
//! signing in from a few devices, is never held up. An empty bucket answers 429 with the time
//! until it holds a token again.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::time::{Duration, Instant};

use crate::address::ClientKey;

/// Wrong password guesses allowed per name and minute.
pub const NAME_GUESSES_PER_MINUTE: u32 = 5;

/// Keys remembered per kind. A bucket that has refilled is forgotten (it says nothing a new one
/// would not), so only keys used in the last minute count; past this many, a new key waits until
/// the first of them has refilled. Bounds the memory a flood of names or addresses costs.
const MAX_KEYS: usize = 10_000;

/// One bucket per key, refilled at `per_minute` tokens a minute up to `per_minute`.
#[derive(Debug)]
struct Buckets<K> {
    per_minute: u32,
    buckets: HashMap<K, (f64, Instant)>,
}

impl<K: Hash + Eq> Buckets<K> {
    fn new(per_minute: u32) -> Self {
        Buckets {
            per_minute: per_minute.max(1),
            buckets: HashMap::new(),
        }
    }

    fn full(&self) -> f64 {
        f64::from(self.per_minute)
    }

    /// Tokens in `key`'s bucket now.
    fn level(&self, key: &K, now: Instant) -> f64 {
        let bucket = self.buckets.get(key).copied();
        bucket.map_or(self.full(), |bucket| refilled(bucket, self.full(), now))
    }

    /// How long until a bucket at `level` holds `target` tokens.
    fn wait(&self, level: f64, target: f64) -> Duration {
        let per_second = self.full() / 60.0;
        Duration::from_secs_f64((target - level).max(0.0) / per_second)
    }

    /// `Ok` if `key`'s bucket holds a token now, else how long until it will.
    fn check(&self, key: &K, now: Instant) -> Result<(), Duration> {
        let level = self.level(key, now);
        match level >= 1.0 {
            true => Ok(()),
            false => Err(self.wait(level, 1.0)),
        }
    }

    /// Takes a token from `key`'s bucket, or says how long until there is one.
    fn take(&mut self, key: K, now: Instant) -> Result<(), Duration> {
        self.check(&key, now)?;
        if !self.buckets.contains_key(&key) && self.buckets.len() >= MAX_KEYS {
            self.make_room(now)?;
        }
        let level = self.level(&key, now);
        self.buckets.insert(key, (level - 1.0, now));
        Ok(())
    }

    /// Forgets every bucket that has refilled; if none has, says how long until the first will.
    fn make_room(&mut self, now: Instant) -> Result<(), Duration> {
        let full = self.full();
        self.buckets
            .retain(|_, &mut bucket| refilled(bucket, full, now) < full);
        if self.buckets.len() < MAX_KEYS {
            return Ok(());
        }
        let fullest = self.buckets.values().map(|&b| refilled(b, full, now));
        Err(self.wait(fullest.fold(0.0, f64::max), full))
    }

    /// Gives a token back to `key`'s bucket; a bucket full again is forgotten.
    fn give_back(&mut self, key: &K, now: Instant) {
        let level = self.level(key, now) + 1.0;
        match (level >= self.full(), self.buckets.get_mut(key)) {
            (true, _) => {
                self.buckets.remove(key);
            }
            (false, Some(bucket)) => *bucket = (level, now),
            (false, None) => {}
        }
    }
}

/// Tokens in a bucket left at `tokens` at `at`, now, refilling to `full` in a minute.
fn refilled((tokens, at): (f64, Instant), full: f64, now: Instant) -> f64 {
    let refill = now.saturating_duration_since(at).as_secs_f64() * full / 60.0;
    (tokens + refill).min(full)
}

/// The sign-in rate limiters of one server: one bucket per client address, one per name.
#[derive(Debug)]
pub struct SignInLimits {
    per_address: Buckets<ClientKey>,
    name_guesses: Buckets<String>,
}

impl SignInLimits {
    pub fn new(attempts_per_minute_per_address: u32) -> SignInLimits {
        SignInLimits {
            per_address: Buckets::new(attempts_per_minute_per_address),
            name_guesses: Buckets::new(NAME_GUESSES_PER_MINUTE),
        }
    }

    /// Counts an attempt from `address` (a registration); how long to wait if it must not go
    /// ahead.
    pub fn attempt(&mut self, address: IpAddr, now: Instant) -> Result<(), Duration> {
        self.per_address.take(ClientKey::of(address), now)
    }

    /// Counts a password guess on `name_key` from `address`, before the password is checked:
    /// a token from each bucket, or from neither. Give the name's back with [`SignInLimits::right`].
    pub fn guess(&mut self, address: IpAddr, name_key: &str, now: Instant) -> Result<(), Duration> {
        let name = name_key.to_owned();
        self.name_guesses.check(&name, now)?;
        self.attempt(address, now)?;
        self.name_guesses.take(name, now)
    }

    /// The guess on `name_key` was right (or was never checked): it costs the name nothing.
    pub fn right(&mut self, name_key: &str, now: Instant) {
        self.name_guesses.give_back(&name_key.to_owned(), now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOME: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 1));
    const AWAY: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 2));

    #[test]
    fn an_address_gets_its_rate_then_waits() {
        let mut limits = SignInLimits::new(3);
        let now = Instant::now();
        for _ in 0..3 {
            assert_eq!(limits.attempt(HOME, now), Ok(()));
        }
        let wait = limits.attempt(HOME, now).unwrap_err();
        assert!(
            wait > Duration::from_secs(19) && wait <= Duration::from_secs(20),
            "{wait:?}"
        );
        assert_eq!(limits.attempt(AWAY, now), Ok(()), "another address");
        let later = now + Duration::from_secs(20);
        assert_eq!(limits.attempt(HOME, later), Ok(()), "refilled");
    }

    #[test]
    fn all_of_loopback_is_one_address() {
        let mut limits = SignInLimits::new(1);
        let now = Instant::now();
        assert_eq!(limits.attempt("127.0.0.1".parse().unwrap(), now), Ok(()));
        assert!(limits.attempt("127.0.0.2".parse().unwrap(), now).is_err());
    }

    #[test]
    fn guesses_on_a_name_are_counted_before_they_are_checked() {
        let mut limits = SignInLimits::new(100);
        let now = Instant::now();
        for _ in 0..NAME_GUESSES_PER_MINUTE {
            assert_eq!(limits.guess(HOME, "alice", now), Ok(()));
        }
        assert!(limits.guess(AWAY, "alice", now).is_err(), "from anywhere");
        assert_eq!(limits.guess(AWAY, "bob", now), Ok(()));
    }

    #[test]
    fn right_guesses_cost_a_name_nothing() {
        let mut limits = SignInLimits::new(100);
        let now = Instant::now();
        for _ in 0..20 {
            assert_eq!(limits.guess(HOME, "alice", now), Ok(()));
            limits.right("alice", now);
        }
        assert!(
            limits.name_guesses.buckets.is_empty(),
            "full buckets are forgotten"
        );
    }

    #[test]
    fn a_full_map_forgets_refilled_buckets_and_never_refuses_for_long() {
        let mut buckets = Buckets::new(60);
        let now = Instant::now();
        for key in 0..MAX_KEYS {
            assert_eq!(buckets.take(key, now), Ok(()));
        }
        let wait = buckets.take(MAX_KEYS, now).unwrap_err();
        assert!(wait <= Duration::from_secs(1), "{wait:?}");
        let later = now + Duration::from_secs(1);
        assert_eq!(buckets.take(MAX_KEYS, later), Ok(()), "room made");
        assert_eq!(buckets.buckets.len(), 1, "the refilled ones are gone");
    }
}
