//! The places an open WebSocket holds: one of `--max-connections`, one of its address's
//! `--max-connections-per-address` and one of its account's `--max-connections-per-user`.
//!
//! Without the last two, one account (or one machine) could take every place of the server with
//! sockets that never read, and the next student would be refused. A connection takes its places
//! in its handshake thread, before the upgrade is accepted, so that a refusal is an HTTP status
//! (see `handshake.rs`), and holds them in a [`Places`] that its reader thread drops when the
//! connection ends: a count can neither leak nor be given back twice.
//!
//! The server-wide count is one atomic, taken as soon as the handshake starts (the handshake
//! gate bounds how many of those are in flight). The per-address and per-account counts are taken
//! only once the request has arrived, when the handshake knows who it is from: a socket that
//! never sends a request counts against nobody's share. They live in one small map each behind a
//! `Mutex`, held for one map operation and never across I/O; a key whose count falls to zero is
//! removed, so each map holds at most one entry per open connection.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use crate::address::ClientKey;
use crate::config::Limits;

/// A refusal before the upgrade: the HTTP status and why.
pub type PlaceRefusal = (u16, String);

/// The status for one account or address over its share: the server has room, this client has
/// had its share ("Too Many Requests").
pub const OVER_SHARE: u16 = 429;

/// The status for a server with no room at all ("Service Unavailable").
pub const FULL: u16 = 503;

/// Every connection's places, shared by the handshake threads.
pub struct Counts {
    /// Open connections, handshakes included: at most `max_open`.
    open: Arc<AtomicUsize>,
    max_open: usize,
    by_address: Arc<Tally<ClientKey>>,
    by_user: Arc<Tally<String>>,
}

impl Counts {
    pub fn new(limits: &Limits) -> Counts {
        Counts {
            open: Arc::new(AtomicUsize::new(0)),
            max_open: limits.max_connections,
            by_address: Tally::new(
                limits.max_connections_per_address,
                "this address",
                "--max-connections-per-address",
            ),
            by_user: Tally::new(
                limits.max_connections_per_user,
                "this user",
                "--max-connections-per-user",
            ),
        }
    }

    /// One of the server's places, taken as the handshake starts; a refusal if there is none.
    pub fn open(&self) -> Result<Places, PlaceRefusal> {
        let before = self.open.fetch_add(1, Ordering::AcqRel);
        let places = Places {
            _server: Open(Arc::clone(&self.open)),
            address: None,
            user: None,
        };
        match before < self.max_open {
            true => Ok(places),
            // Dropping `places` gives the place back.
            false => Err((FULL, "connection limit reached".into())),
        }
    }
}

/// What one connection holds; dropping it gives every place back.
pub struct Places {
    /// Held only to be dropped, like the other two.
    _server: Open,
    address: Option<Place<ClientKey>>,
    user: Option<Place<String>>,
}

impl Places {
    /// A place among those of `address` (see [`ClientKey`]), once the request has arrived.
    pub fn take_address(&mut self, counts: &Counts, address: IpAddr) -> Result<(), PlaceRefusal> {
        self.address = Some(counts.by_address.take(ClientKey::of(address))?);
        Ok(())
    }

    /// A place among those of the account (or guest) `name_key`, once the handshake knows who
    /// it is.
    pub fn take_user(&mut self, counts: &Counts, name_key: &str) -> Result<(), PlaceRefusal> {
        self.user = Some(counts.by_user.take(name_key.to_owned())?);
        Ok(())
    }
}

/// One of the server-wide places.
struct Open(Arc<AtomicUsize>);

impl Drop for Open {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// How many connections each key holds, each at most `cap` (set by `flag`).
struct Tally<K> {
    counts: Mutex<HashMap<K, usize>>,
    cap: usize,
    /// Whose share it is, and the flag that sets it, for the refusal.
    whose: &'static str,
    flag: &'static str,
}

impl<K: Hash + Eq + Clone> Tally<K> {
    fn new(cap: usize, whose: &'static str, flag: &'static str) -> Arc<Tally<K>> {
        Arc::new(Tally {
            counts: Mutex::new(HashMap::new()),
            cap,
            whose,
            flag,
        })
    }

    /// One more place for `key`, or the refusal if it holds `cap` already. Checked and counted
    /// under one lock, so two handshakes racing for the last place cannot both get it.
    fn take(self: &Arc<Self>, key: K) -> Result<Place<K>, PlaceRefusal> {
        // A panic elsewhere cannot leave a count half-changed: each change is one statement.
        let mut counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        let count = counts.entry(key.clone()).or_insert(0);
        if *count >= self.cap {
            let (whose, cap, flag) = (self.whose, self.cap, self.flag);
            let why = format!("{whose} already has {cap} connections open ({flag})");
            return Err((OVER_SHARE, why));
        }
        *count += 1;
        Ok(Place {
            tally: Arc::clone(self),
            key,
        })
    }
}

/// One place of `key`'s in a [`Tally`], given back when dropped.
struct Place<K: Hash + Eq> {
    tally: Arc<Tally<K>>,
    key: K,
}

impl<K: Hash + Eq> Drop for Place<K> {
    fn drop(&mut self) {
        let mut counts = self
            .tally
            .counts
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(count) = counts.get_mut(&self.key) {
            *count -= 1;
            if *count == 0 {
                counts.remove(&self.key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(open: usize, per_address: usize, per_user: usize) -> Counts {
        let limits = Limits {
            max_connections: open,
            max_connections_per_address: per_address,
            max_connections_per_user: per_user,
            ..Limits::default()
        };
        Counts::new(&limits)
    }

    const HOME: &str = "127.0.0.1";

    #[test]
    fn a_user_gets_its_share_and_no_more() {
        let counts = counts(10, 10, 2);
        let mut held: Vec<Places> = Vec::new();
        for _ in 0..2 {
            let mut places = counts.open().unwrap();
            places.take_user(&counts, "alice").unwrap();
            held.push(places);
        }
        let mut third = counts.open().unwrap();
        assert_eq!(third.take_user(&counts, "alice").unwrap_err().0, OVER_SHARE);
        // Someone else still gets in; and a place given back is free again.
        third.take_user(&counts, "bob").unwrap();
        held.pop();
        counts.open().unwrap().take_user(&counts, "alice").unwrap();
    }

    #[test]
    fn an_address_counts_by_its_client_key() {
        let counts = counts(10, 2, 10);
        let mut a = counts.open().unwrap();
        a.take_address(&counts, HOME.parse().unwrap()).unwrap();
        let mut b = counts.open().unwrap();
        b.take_address(&counts, "127.9.9.9".parse().unwrap())
            .unwrap();
        let mut c = counts.open().unwrap();
        let refused = c.take_address(&counts, "::1".parse().unwrap());
        assert_eq!(refused.unwrap_err().0, OVER_SHARE, "all of loopback is one");
        c.take_address(&counts, "10.0.0.1".parse().unwrap())
            .unwrap();
    }

    #[test]
    fn the_server_wide_limit_refuses_with_503_and_gives_back() {
        let counts = counts(1, 10, 10);
        let first = counts.open().unwrap();
        assert_eq!(counts.open().err().map(|r| r.0), Some(FULL));
        drop(first);
        assert!(counts.open().is_ok());
    }

    #[test]
    fn keys_are_forgotten_when_their_last_place_is_given_back() {
        let counts = counts(10, 10, 10);
        let mut places = counts.open().unwrap();
        places.take_user(&counts, "alice").unwrap();
        places.take_address(&counts, HOME.parse().unwrap()).unwrap();
        drop(places);
        assert!(counts.by_user.counts.lock().unwrap().is_empty());
        assert!(counts.by_address.counts.lock().unwrap().is_empty());
        assert_eq!(counts.open.load(Ordering::Acquire), 0);
    }
}
