//! The hub's state and what each event does to it.
//!
//! Plain collections owned by one thread, so no locks: the clients by connection, the names in
//! use, and the next `seq`. Everything a handler decides to send goes into the [`Batch`], and a
//! client that must go is put on the `closing` list; nothing here writes to a socket. Writing is
//! `deliver.rs`: the flush, the Close frames, the timers.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::auth::token::SessionId;
use crate::config::Limits;
use crate::end::{End, SignOut};
use crate::event::{Arrival, ConnId, Event};
use crate::hub::batch::Batch;
use crate::hub::client::{Client, Role};
use crate::hub::frame;
use crate::identity::name_key;
use crate::log::now_ms;
use crate::store::Store;
use crate::wire::{ErrorCode, ServerFrame, WireError};
use crate::{log, log_limited};

pub struct Hub {
    pub(super) clients: HashMap<ConnId, Client>,
    /// Users online, by `name_key` (so unique ignoring case): a user with several tabs is here
    /// once, with every connection.
    pub(super) online: BTreeMap<String, Online>,
    /// Clients with a backlog: the only ones the retry timer needs to visit.
    pub(super) lagging: HashSet<ConnId>,
    pub(super) batch: Batch,
    /// Clients removed or refused in this batch, waiting for their Close frame.
    pub(super) closing: Vec<(Client, End)>,
    /// The `seq` of the next message: strictly increasing for the server's life.
    pub(super) next_seq: u64,
    /// When to look for silent connections to ping; `None` while nobody is connected.
    pub(super) next_heartbeat: Option<Instant>,
    pub(super) limits: Limits,
    /// To note that a session is in use, without waiting.
    pub(super) store: Store,
    /// A session's use is noted at most this often per connection.
    pub(super) touch_every: Duration,
}

/// One user online.
#[derive(Debug)]
pub(super) struct Online {
    /// The name as its owner spelled it.
    name: String,
    conns: Vec<ConnId>,
}

impl Hub {
    pub fn new(limits: Limits, store: Store, session_expiry: Duration) -> Self {
        Hub {
            clients: HashMap::new(),
            online: BTreeMap::new(),
            lagging: HashSet::new(),
            batch: Batch::default(),
            closing: Vec::new(),
            next_seq: 1,
            next_heartbeat: None,
            limits,
            store,
            touch_every: session_expiry / 100,
        }
    }

    pub fn apply(&mut self, event: Event) {
        match event {
            Event::Join {
                conn,
                peer,
                socket,
                arrival,
            } => self.join(conn, peer, socket, arrival),
            Event::Send { conn, text, id } => self.send(conn, &text, id.as_deref()),
            Event::Echo {
                conn,
                payload,
                binary,
            } => self.heard(conn, |batch| {
                batch.direct(conn, |out| frame::data(out, &payload, binary))
            }),
            Event::Reject { conn, error } => self.reject(conn, &error),
            Event::Ping { conn, payload } => self.heard(conn, |batch| {
                batch.direct(conn, |out| frame::pong(out, &payload))
            }),
            Event::Gone { conn, end } => self.remove(conn, end),
            Event::SessionsEnded(ended) => self.end_sessions(&ended),
            // The loop in mod.rs stops on Shutdown before applying it.
            Event::Shutdown => {}
        }
    }

    fn join(&mut self, conn: ConnId, peer: SocketAddr, socket: Arc<TcpStream>, arrival: Arrival) {
        let (name, session) = match arrival {
            Arrival::Refused(error) => return self.refuse(socket, peer, error),
            // Guests hold their name only while connected, so one guest name is one connection.
            Arrival::User {
                name,
                session: None,
            } if self.online.contains_key(&name_key(&name)) => {
                let why = format!("the name {name:?} is already in use");
                return self.refuse(socket, peer, WireError::new(ErrorCode::NameTaken, why));
            }
            Arrival::User { name, session } => (name, session),
            Arrival::Echo => {
                log!("echo connection from {peer}");
                return self.admit(conn, Client::new(socket, peer, Role::Echo));
            }
        };
        log_limited!("joins", peer.ip(), "{name} joined from {peer}");
        let key = name_key(&name);
        if !self.online.contains_key(&key) {
            // The first connection of this user: the others learn that they arrived.
            let ts = now_ms();
            self.batch.broadcast(|out| {
                frame::text(out, &ServerFrame::Joined { user: &name, ts }.to_json())
            });
        }
        let entry = self.online.entry(key).or_insert_with(|| Online {
            name: name.clone(),
            conns: Vec::new(),
        });
        entry.conns.push(conn);
        let role = Role::User { name, session };
        self.admit(conn, Client::new(socket, peer, role));
        self.welcome(conn);
    }

    /// The first frame of a new chat connection: who it is and who is online.
    fn welcome(&mut self, conn: ConnId) {
        let Some(you) = self.clients.get(&conn).and_then(Client::name) else {
            return;
        };
        let users: Vec<&str> = self.online.values().map(|o| o.name.as_str()).collect();
        let mut welcome = Vec::new();
        frame::text(&mut welcome, &ServerFrame::Welcome { you, users }.to_json());
        self.batch.start_for(conn, welcome);
    }

    /// Adds a client and makes sure the heartbeat is running.
    fn admit(&mut self, conn: ConnId, client: Client) {
        self.next_heartbeat
            .get_or_insert_with(|| Instant::now() + self.limits.ping_interval / 2);
        self.clients.insert(conn, client);
    }

    fn send(&mut self, conn: ConnId, text: &str, id: Option<&str>) {
        let Some(client) = self.clients.get_mut(&conn) else {
            return;
        };
        client.last_active = Instant::now();
        // Chatting is using the session: it expires that much later.
        if let Some(session) = client.session_to_touch(self.touch_every) {
            self.store.touch(session);
        }
        let Some(from) = client.name() else {
            return;
        };
        let (seq, ts) = (self.next_seq, now_ms());
        self.next_seq += 1;
        let message = |id| {
            ServerFrame::Message {
                seq,
                from,
                text,
                ts,
                id,
            }
            .to_json()
        };
        let range = self.batch.broadcast(|out| frame::text(out, &message(None)));
        if id.is_some() {
            let mut own = Vec::new();
            frame::text(&mut own, &message(id));
            self.batch.replace_for(conn, range, own);
        }
    }

    /// Answers a refused frame with its error (the reader has logged it).
    fn reject(&mut self, conn: ConnId, error: &WireError) {
        self.heard(conn, |batch| {
            batch.direct(conn, |out| frame::text(out, &error.to_json()))
        });
    }

    /// Runs `queue` for a client that just sent something, if it is still here.
    fn heard(&mut self, conn: ConnId, queue: impl FnOnce(&mut Batch)) {
        if let Some(client) = self.clients.get_mut(&conn) {
            client.last_active = Instant::now();
            queue(&mut self.batch);
        }
    }

    /// Removes a client and, when it was its user's last connection, tells the others; its Close
    /// frame (and, for a refusal or a sign-out, its `error` frame) goes out after this batch
    /// (`deliver.rs`).
    pub(super) fn remove(&mut self, conn: ConnId, end: End) {
        let Some(client) = self.clients.remove(&conn) else {
            return;
        };
        self.batch.forget(conn);
        self.lagging.remove(&conn);
        match client.name() {
            Some(name) => {
                log_limited!("leaves", client.peer.ip(), "{name} left ({end})");
                self.leave(name, conn);
            }
            None => log!("echo connection from {} ended ({end})", client.peer),
        }
        self.closing.push((client, end));
        if self.clients.is_empty() {
            self.next_heartbeat = None;
        }
    }

    /// Takes `conn` off its user's connections; the user's last one going is a `left`.
    fn leave(&mut self, name: &str, conn: ConnId) {
        let key = name_key(name);
        let Some(online) = self.online.get_mut(&key) else {
            return;
        };
        online.conns.retain(|&c| c != conn);
        if online.conns.is_empty() {
            self.online.remove(&key);
            let ts = now_ms();
            self.batch
                .broadcast(|out| frame::text(out, &ServerFrame::Left { user: name, ts }.to_json()));
        }
    }

    /// Closes every connection of the sessions that ended, each told why.
    fn end_sessions(&mut self, ended: &[(SessionId, SignOut)]) {
        let closing: Vec<(ConnId, SignOut)> = self
            .clients
            .iter()
            .filter_map(|(&conn, client)| {
                let session = client.session()?;
                let (_, why) = ended.iter().find(|(id, _)| *id == session)?;
                Some((conn, *why))
            })
            .collect();
        for (conn, why) in closing {
            self.remove(conn, End::SignedOut(why));
        }
    }

    /// Refuses a connection that never joined: it gets the `error` frame, then Close 1008.
    fn refuse(&mut self, socket: Arc<TcpStream>, peer: SocketAddr, error: WireError) {
        log_limited!(
            "refused names",
            peer.ip(),
            "refused name from {peer}: {}",
            error.code
        );
        let client = Client::new(socket, peer, Role::Echo);
        self.closing.push((client, End::Refused(error)));
    }
}
