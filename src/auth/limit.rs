//! Rate limits on sign-ins and registrations: token buckets per client address and per name.
//!
//! Per address, every attempt costs a token (`--auth-rate` a minute): one machine cannot make the
//! server hash passwords all day. Per name, only a failed sign-in costs one
//! ([`NAME_FAILURES_PER_MINUTE`]): guessing one account's password is slow, while its owner,
//! signing in from a few devices, is never held up. An empty bucket answers 429 with the time
//! until it holds a token again.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::time::{Duration, Instant};

/// Failed sign-ins allowed per name and minute.
pub const NAME_FAILURES_PER_MINUTE: u32 = 5;

/// Keys remembered per kind; past this, buckets that have refilled are forgotten, and if none
/// has, a new key is refused until one does. Bounds the memory a flood of names or addresses costs.
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

    /// Tokens in `key`'s bucket now.
    fn level(&self, key: &K, now: Instant) -> f64 {
        let full = f64::from(self.per_minute);
        self.buckets.get(key).map_or(full, |&(tokens, at)| {
            let refill = now.duration_since(at).as_secs_f64() * full / 60.0;
            (tokens + refill).min(full)
        })
    }

    /// `Ok` if `key`'s bucket holds a token now, else how long until it will.
    fn check(&self, key: &K, now: Instant) -> Result<(), Duration> {
        let level = self.level(key, now);
        if level >= 1.0 {
            return Ok(());
        }
        let per_second = f64::from(self.per_minute) / 60.0;
        Err(Duration::from_secs_f64((1.0 - level) / per_second))
    }

    /// Takes a token from `key`'s bucket, or says how long until there is one.
    fn take(&mut self, key: K, now: Instant) -> Result<(), Duration> {
        self.check(&key, now)?;
        if !self.buckets.contains_key(&key) && self.buckets.len() >= MAX_KEYS {
            let full = f64::from(self.per_minute);
            let refilled = |&(tokens, at): &(f64, Instant)| {
                tokens + now.duration_since(at).as_secs_f64() * full / 60.0 >= full
            };
            self.buckets.retain(|_, bucket| !refilled(bucket));
            if self.buckets.len() >= MAX_KEYS {
                return Err(Duration::from_secs(1));
            }
        }
        let level = self.level(&key, now);
        self.buckets.insert(key, (level - 1.0, now));
        Ok(())
    }
}

/// The limits of one server.
#[derive(Debug)]
pub struct Limits {
    per_address: Buckets<IpAddr>,
    name_failures: Buckets<String>,
}

impl Limits {
    pub fn new(attempts_per_minute_per_address: u32) -> Limits {
        Limits {
            per_address: Buckets::new(attempts_per_minute_per_address),
            name_failures: Buckets::new(NAME_FAILURES_PER_MINUTE),
        }
    }

    /// Counts an attempt from `address` on `name_key`; how long to wait if it must not go ahead.
    pub fn attempt(
        &mut self,
        address: IpAddr,
        name_key: &str,
        now: Instant,
    ) -> Result<(), Duration> {
        self.name_failures.check(&name_key.to_owned(), now)?;
        self.per_address.take(address, now)
    }

    /// Counts a failed sign-in on `name_key`.
    pub fn failed(&mut self, name_key: &str, now: Instant) {
        let _ = self.name_failures.take(name_key.to_owned(), now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOME: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 1));
    const AWAY: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 2));

    #[test]
    fn an_address_gets_its_rate_then_waits() {
        let mut limits = Limits::new(3);
        let now = Instant::now();
        for _ in 0..3 {
            assert_eq!(limits.attempt(HOME, "alice", now), Ok(()));
        }
        let wait = limits.attempt(HOME, "alice", now).unwrap_err();
        assert!(
            wait > Duration::from_secs(19) && wait <= Duration::from_secs(20),
            "{wait:?}"
        );
        assert_eq!(
            limits.attempt(AWAY, "alice", now),
            Ok(()),
            "another address"
        );
        let later = now + Duration::from_secs(20);
        assert_eq!(limits.attempt(HOME, "alice", later), Ok(()), "refilled");
    }

    #[test]
    fn failures_on_a_name_stop_attempts_on_it_from_anywhere() {
        let mut limits = Limits::new(100);
        let now = Instant::now();
        for _ in 0..NAME_FAILURES_PER_MINUTE {
            assert_eq!(limits.attempt(HOME, "alice", now), Ok(()));
            limits.failed("alice", now);
        }
        assert!(limits.attempt(AWAY, "alice", now).is_err());
        assert_eq!(limits.attempt(AWAY, "bob", now), Ok(()));
    }

    #[test]
    fn successes_cost_a_name_nothing() {
        let mut limits = Limits::new(100);
        let now = Instant::now();
        for _ in 0..20 {
            assert_eq!(limits.attempt(HOME, "alice", now), Ok(()));
        }
    }
}
