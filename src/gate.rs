//! Admission to a port: at most `cap` connections in flight, each with a thread of its own, and
//! when the port is full, the connection that has waited longest for its client makes room.
//!
//! Why evict the longest-waiting connection rather than refuse the newest: a port that refuses
//! newcomers when full is shut for everyone by one client that holds `cap` silent connections and
//! renews them as they time out. Evicting instead keeps the door open: a flood only churns through
//! its own connections, while an honest client, which sends its request at once, is served long
//! before its turn to be evicted comes. Connections being served (not waiting for their client)
//! are never evicted; when all are, the newcomer is refused.
//!
//! A gate may also cap the places one client address holds ([`Gate::per_address`], counted by
//! [`ClientKey`]), by the same rule: a newcomer from an address at its cap makes room by evicting
//! that address's longest-waiting connection, and is refused only when all of them are being
//! served. Evicting rather than refusing matters more here than anywhere: a class behind one
//! address shares the cap, and one student holding it with silent connections must not lock the
//! others out.
//!
//! The accept loop owns the gate, so it needs no lock. Each admitted connection's thread holds a
//! [`Ticket`] that shares its socket and tells, in one atomic, whether the connection is waiting
//! for its client (and since when) or being served. The gate keeps only a weak reference: when
//! the thread drops its ticket, the connection has ended and its socket is closed at once.

use std::net::{Shutdown, SocketAddr, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::Instant;

use crate::address::ClientKey;

/// A ticket's state: being served.
const BUSY: u64 = 0;
/// A ticket's state: closed by the gate to make room. Any other value means "waiting for the
/// client since this many milliseconds after the gate opened, plus one".
const EVICTED: u64 = u64::MAX;

/// One admitted connection, shared by the gate and the connection's thread.
#[derive(Debug)]
pub struct Ticket {
    socket: Arc<TcpStream>,
    peer: SocketAddr,
    /// When the gate opened: `state` counts from here.
    epoch: Instant,
    state: AtomicU64,
}

impl Ticket {
    pub fn socket(&self) -> &Arc<TcpStream> {
        &self.socket
    }

    /// From now on the connection waits for its client and may be evicted. False if it already
    /// was: the socket is shut down and the thread should end.
    pub fn waiting(&self) -> bool {
        let since = self.epoch.elapsed().as_millis() as u64 + 1;
        self.swap_unless_evicted(since)
    }

    /// The connection has what it waited for and is being served: it can no longer be evicted.
    /// False if it was evicted first.
    pub fn busy(&self) -> bool {
        self.swap_unless_evicted(BUSY)
    }

    fn swap_unless_evicted(&self, new: u64) -> bool {
        self.state
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |old| {
                (old != EVICTED).then_some(new)
            })
            .is_ok()
    }

    /// Evicts the connection if it is still waiting since `since`; shuts its socket down, which
    /// wakes its thread. False if the thread got there first (it is now busy or waits anew).
    fn evict(&self, since: u64) -> bool {
        let evicted = self
            .state
            .compare_exchange(since, EVICTED, Ordering::AcqRel, Ordering::Acquire)
            .is_ok();
        if evicted {
            let _ = self.socket.shutdown(Shutdown::Both);
        }
        evicted
    }

    fn waiting_since(&self) -> Option<u64> {
        match self.state.load(Ordering::Acquire) {
            BUSY | EVICTED => None,
            since => Some(since),
        }
    }
}

/// Why a connection was not admitted.
#[derive(Debug, PartialEq, Eq)]
pub enum Full {
    /// Every place is held by a connection being served.
    Port,
    /// The client's address holds its `per_address` places, each being served.
    Address,
}

/// The connections in flight on one port, owned by its accept loop.
#[derive(Debug)]
pub struct Gate {
    cap: usize,
    /// The most places one client address may hold (no cap unless [`Gate::per_address`] sets one).
    per_address: usize,
    tickets: Vec<Weak<Ticket>>,
    epoch: Instant,
}

impl Gate {
    pub fn new(cap: usize) -> Gate {
        Gate {
            cap,
            per_address: usize::MAX,
            tickets: Vec::with_capacity(cap),
            epoch: Instant::now(),
        }
    }

    /// The same gate, with at most `places` of its places held by one client address.
    pub fn per_address(self, places: usize) -> Gate {
        Gate {
            per_address: places,
            ..self
        }
    }

    /// Admits a new connection, waiting for its client from now. When its address is at its cap,
    /// or the gate is full, the connection that has waited longest (of that address, or of all)
    /// is evicted first, and its peer returned for the log.
    pub fn admit(
        &mut self,
        socket: Arc<TcpStream>,
        peer: SocketAddr,
    ) -> Result<(Arc<Ticket>, Option<SocketAddr>), Full> {
        // A ticket its thread has dropped is a connection that has ended; an evicted one is
        // ending (its socket is shut down), so neither counts.
        self.tickets.retain(|t| {
            t.upgrade()
                .is_some_and(|t| t.state.load(Ordering::Acquire) != EVICTED)
        });
        let client = ClientKey::of(peer.ip());
        let from_client = self.tickets.iter().filter(|t| holds(t, client)).count();
        let evicted = if from_client >= self.per_address {
            Some(
                self.evict_longest_waiting(Some(client))
                    .ok_or(Full::Address)?,
            )
        } else if self.tickets.len() >= self.cap {
            Some(self.evict_longest_waiting(None).ok_or(Full::Port)?)
        } else {
            None
        };
        let ticket = Arc::new(Ticket {
            socket,
            peer,
            epoch: self.epoch,
            state: AtomicU64::new(self.epoch.elapsed().as_millis() as u64 + 1),
        });
        self.tickets.push(Arc::downgrade(&ticket));
        Ok((ticket, evicted))
    }

    /// Evicts the connection that has waited longest for its client, of those from `client` if
    /// given; `None` if all of them are busy.
    fn evict_longest_waiting(&mut self, client: Option<ClientKey>) -> Option<SocketAddr> {
        // A thread may change its ticket between the look and the eviction; then look again.
        loop {
            let (index, since, ticket) = self
                .tickets
                .iter()
                .enumerate()
                .filter(|(_, t)| client.is_none_or(|c| holds(t, c)))
                .filter_map(|(i, t)| {
                    let ticket = t.upgrade()?;
                    Some((i, ticket.waiting_since()?, ticket))
                })
                .min_by_key(|&(_, since, _)| since)?;
            if ticket.evict(since) {
                self.tickets.swap_remove(index);
                return Some(ticket.peer);
            }
        }
    }

    /// Closes every connection still waiting for its client: for when the port stops, so that no
    /// idle kept-alive connection outlives the server it led to (one busy at that moment goes
    /// back to waiting, for at most `--keep-alive`).
    pub fn close_waiting(&mut self) {
        for ticket in self.tickets.drain(..).filter_map(|t| t.upgrade()) {
            if let Some(since) = ticket.waiting_since() {
                ticket.evict(since);
            }
        }
    }

    /// Connections admitted and not yet ended.
    #[cfg(test)]
    fn in_flight(&self) -> usize {
        self.tickets.iter().filter(|t| t.strong_count() > 0).count()
    }
}

/// Whether `ticket` (still alive) is a connection from `client`.
fn holds(ticket: &Weak<Ticket>, client: ClientKey) -> bool {
    ticket
        .upgrade()
        .is_some_and(|t| ClientKey::of(t.peer.ip()) == client)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;
    use std::net::TcpListener;

    /// A connected pair: the server's side (for the gate) and the client's.
    fn pair(listener: &TcpListener) -> (Arc<TcpStream>, SocketAddr, TcpStream) {
        let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (server, peer) = listener.accept().unwrap();
        (Arc::new(server), peer, client)
    }

    #[test]
    fn evicts_the_longest_waiting_when_full() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let mut gate = Gate::new(2);
        let (s1, p1, mut c1) = pair(&listener);
        let (t1, evicted) = gate.admit(s1, p1).unwrap();
        assert_eq!(evicted, None);
        let (s2, p2, _c2) = pair(&listener);
        let (_t2, _) = gate.admit(s2, p2).unwrap();
        let (s3, p3, _c3) = pair(&listener);
        let (_t3, evicted) = gate.admit(s3, p3).unwrap();
        assert_eq!(evicted, Some(p1), "the first one waited longest");
        assert!(!t1.busy(), "an evicted connection cannot be served");
        let mut buf = [0; 1];
        assert_eq!(
            c1.read(&mut buf).unwrap_or(0),
            0,
            "its socket was shut down"
        );
        assert_eq!(
            gate.in_flight(),
            2,
            "an evicted connection no longer counts"
        );
    }

    #[test]
    fn never_evicts_a_connection_being_served() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let mut gate = Gate::new(1);
        let (s1, p1, _c1) = pair(&listener);
        let (t1, _) = gate.admit(s1, p1).unwrap();
        assert!(t1.busy());
        let (s2, p2, _c2) = pair(&listener);
        assert_eq!(gate.admit(s2, p2).map(|_| ()), Err(Full::Port));
        assert!(t1.waiting(), "waiting again, as between two requests");
        let (s3, p3, _c3) = pair(&listener);
        assert_eq!(gate.admit(s3, p3).unwrap().1, Some(p1));
    }

    #[test]
    fn ended_connections_free_their_place() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let mut gate = Gate::new(1);
        let (s1, p1, _c1) = pair(&listener);
        let (t1, _) = gate.admit(s1, p1).unwrap();
        drop(t1);
        let (s2, p2, _c2) = pair(&listener);
        assert_eq!(gate.admit(s2, p2).unwrap().1, None, "nobody evicted");
    }

    #[test]
    fn caps_the_places_of_one_address() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let mut gate = Gate::new(10).per_address(2);
        let (s1, p1, _c1) = pair(&listener);
        let (t1, _) = gate.admit(s1, p1).unwrap();
        let (s2, p2, _c2) = pair(&listener);
        let (t2, _) = gate.admit(s2, p2).unwrap();
        let (s3, p3, _c3) = pair(&listener);
        let (t3, evicted) = gate.admit(s3, p3).unwrap();
        assert_eq!(evicted, Some(p1), "its own longest-waiting made room");
        assert!(!t1.busy());
        assert!(t2.busy() && t3.busy());
        let (s4, p4, _c4) = pair(&listener);
        assert_eq!(
            gate.admit(s4, p4).map(|_| ()),
            Err(Full::Address),
            "both places of the address are being served, though the port has room"
        );
        assert_eq!(gate.in_flight(), 2);
        let (s5, _, _c5) = pair(&listener);
        let elsewhere: SocketAddr = "10.0.0.7:5555".parse().unwrap();
        assert_eq!(
            gate.admit(s5, elsewhere).unwrap().1,
            None,
            "another address still has room"
        );
    }
}
