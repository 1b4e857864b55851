//! The hub's state and what each event does to it.
//!
//! Plain collections owned by one thread, so no locks: the clients by connection, the names in
//! use, and the next `seq`. Everything a handler decides to send goes into the [`Batch`]; nothing
//! here writes to a socket except [`Hub::flush`], and through `Client` only.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::IoSlice;
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::Instant;

use crate::config::Limits;
use crate::end::End;
use crate::event::{ConnId, Event};
use crate::hub::batch::Batch;
use crate::hub::client::Client;
use crate::hub::{BACKLOG_RETRY, frame};
use crate::identity::name_key;
use crate::log;
use crate::log::now_ms;
use crate::wire::{ErrorCode, ServerFrame, WireError};

pub struct Hub {
    clients: HashMap<ConnId, Client>,
    /// Names in use, by `name_key` (so unique ignoring case), to the connection using it.
    names: BTreeMap<String, ConnId>,
    /// Clients with a backlog: the only ones the retry timer needs to visit.
    lagging: HashSet<ConnId>,
    batch: Batch,
    /// The `seq` of the next message: strictly increasing for the server's life.
    next_seq: u64,
    /// When to look for silent connections to ping; `None` while nobody is connected.
    next_heartbeat: Option<Instant>,
    limits: Limits,
}

impl Hub {
    pub fn new(limits: Limits) -> Self {
        Hub {
            clients: HashMap::new(),
            names: BTreeMap::new(),
            lagging: HashSet::new(),
            batch: Batch::default(),
            next_seq: 1,
            next_heartbeat: None,
            limits,
        }
    }

    pub fn apply(&mut self, event: Event) {
        match event {
            Event::Join {
                conn,
                peer,
                socket,
                name,
            } => self.join(conn, peer, socket, name),
            Event::Send { conn, text, id } => self.send(conn, &text, id.as_deref()),
            Event::Echo {
                conn,
                payload,
                binary,
            } => self.heard(conn, |batch| {
                batch.direct(conn, |out| match binary {
                    true => frame::binary(out, &payload),
                    false => frame::text(out, &String::from_utf8_lossy(&payload)),
                })
            }),
            Event::Reject { conn, error } => self.reject(conn, &error),
            Event::Ping { conn, payload } => self.heard(conn, |batch| {
                batch.direct(conn, |out| frame::pong(out, &payload))
            }),
            Event::Gone { conn, end } => self.remove(conn, end),
            Event::Shutdown => {}
        }
    }

    fn join(
        &mut self,
        conn: ConnId,
        peer: SocketAddr,
        socket: Arc<TcpStream>,
        name: Option<Result<String, WireError>>,
    ) {
        let name = match name {
            None => None,
            Some(Ok(name)) if self.names.contains_key(&name_key(&name)) => {
                let why = format!("the name {name:?} is already in use");
                return refuse(socket, peer, &WireError::new(ErrorCode::NameTaken, why));
            }
            Some(Ok(name)) => Some(name),
            Some(Err(error)) => return refuse(socket, peer, &error),
        };
        self.next_heartbeat
            .get_or_insert_with(|| Instant::now() + self.limits.ping_interval / 2);
        let Some(name) = name else {
            log!("echo connection from {peer}");
            self.clients.insert(conn, Client::new(socket, peer, None));
            return;
        };
        log!("{name} joined from {peer}");
        let ts = now_ms();
        self.batch
            .broadcast(|out| frame::text(out, &ServerFrame::Joined { user: &name, ts }.to_json()));
        self.names.insert(name_key(&name), conn);
        self.clients
            .insert(conn, Client::new(socket, peer, Some(name.clone())));
        let users: Vec<&str> = self
            .names
            .values()
            .filter_map(|c| self.clients.get(c)?.name.as_deref())
            .collect();
        let mut welcome = Vec::new();
        frame::text(
            &mut welcome,
            &ServerFrame::Welcome { you: &name, users }.to_json(),
        );
        self.batch.start_for(conn, welcome);
    }

    fn send(&mut self, conn: ConnId, text: &str, id: Option<&str>) {
        let Some(client) = self.clients.get_mut(&conn) else {
            return;
        };
        client.last_active = Instant::now();
        let Some(from) = client.name.as_deref() else {
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

    fn reject(&mut self, conn: ConnId, error: &WireError) {
        if let Some(client) = self.clients.get(&conn) {
            let who = client.name.as_deref().unwrap_or("echo client");
            log!(
                "refused a frame from {who} ({}): {:?}",
                client.peer,
                error.code
            );
        }
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

    /// Removes a client, sends it the Close frame its ending calls for, and tells the others.
    fn remove(&mut self, conn: ConnId, end: End) {
        let Some(client) = self.clients.remove(&conn) else {
            return;
        };
        self.batch.forget(conn);
        self.lagging.remove(&conn);
        match &client.name {
            Some(name) => {
                log!("{name} left ({end})");
                self.names.remove(&name_key(name));
                let ts = now_ms();
                self.batch.broadcast(|out| {
                    frame::text(out, &ServerFrame::Left { user: name, ts }.to_json())
                });
            }
            None => log!("echo connection from {} ended ({end})", client.peer),
        }
        client.finish(end.close_frame());
        if self.clients.is_empty() {
            self.next_heartbeat = None;
        }
    }

    /// Writes the batch to every client, then drops those whose socket failed or who fell too far
    /// behind (which may batch `left` frames, hence the loop).
    pub fn flush(&mut self) {
        while !self.batch.is_empty() {
            let mut out = Delivery {
                failed: Vec::new(),
                pieces: Vec::new(),
                lagging: &mut self.lagging,
            };
            // Clients with edits first: they are this batch's senders (their own copy is their
            // acknowledgement) and newcomers (their welcome). A sender that hears back early
            // sends its next message while the others are still being written to.
            let (batch, max_backlog) = (&self.batch, self.limits.max_backlog);
            for conn in batch.edited() {
                if let Some(client) = self.clients.get_mut(&conn) {
                    out.deliver(conn, client, batch, max_backlog);
                }
            }
            for (&conn, client) in &mut self.clients {
                if !batch.has_edits(conn) {
                    out.deliver(conn, client, batch, max_backlog);
                }
            }
            let failed = out.failed;
            self.batch.clear();
            self.drop_failed(failed);
        }
    }

    fn drop_failed(&mut self, failed: Vec<(ConnId, End)>) {
        for (conn, end) in failed {
            if end == End::Evicted {
                log!(
                    "evicting connection {conn}: over {} bytes waiting",
                    self.limits.max_backlog
                );
            }
            self.remove(conn, end);
        }
    }

    /// The next instant the hub must wake without an event, if any.
    pub fn next_timer(&self) -> Option<Instant> {
        let retry = (!self.lagging.is_empty()).then(|| Instant::now() + BACKLOG_RETRY);
        match (retry, self.next_heartbeat) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Retries lagging clients, and pings those that have been silent for half a ping interval
    /// (checked every half interval, so nobody is silent a full interval without a ping).
    pub fn on_timer(&mut self, now: Instant) {
        let mut failed = Vec::new();
        for &conn in &self.lagging {
            if let Some(Err(end)) = self
                .clients
                .get_mut(&conn)
                .map(|c| c.retry(self.limits.max_backlog))
            {
                failed.push((conn, end));
            }
        }
        self.lagging
            .retain(|conn| self.clients.get(conn).is_some_and(Client::is_lagging));
        self.drop_failed(failed);
        let Some(due) = self.next_heartbeat.filter(|due| *due <= now) else {
            return;
        };
        let half = self.limits.ping_interval / 2;
        for (&conn, client) in &mut self.clients {
            if now.duration_since(client.last_active) >= half {
                client.last_active = now;
                self.batch.direct(conn, frame::ping);
            }
        }
        self.next_heartbeat = (!self.clients.is_empty()).then_some(due.max(now) + half);
    }

    /// Closes every connection with 1001 ("going away": pages reconnect at once).
    pub fn close_all(&mut self) -> usize {
        let count = self.clients.len();
        for (_, client) in self.clients.drain() {
            client.finish(End::ServerStopping.close_frame());
        }
        count
    }
}

/// One flush's bookkeeping: who failed, who fell behind, and the reusable slice list.
struct Delivery<'a, 'b> {
    failed: Vec<(ConnId, End)>,
    pieces: Vec<IoSlice<'b>>,
    lagging: &'a mut HashSet<ConnId>,
}

impl<'b> Delivery<'_, 'b> {
    fn deliver(&mut self, conn: ConnId, client: &mut Client, batch: &'b Batch, max_backlog: usize) {
        batch.pieces_for(conn, &mut self.pieces);
        if let Err(end) = client.send(&self.pieces, max_backlog) {
            self.failed.push((conn, end));
        } else if client.is_lagging() {
            self.lagging.insert(conn);
        }
    }
}

/// Tells a client its name was refused (an `error` frame, then Close 1008), and logs it once.
fn refuse(socket: Arc<TcpStream>, peer: SocketAddr, error: &WireError) {
    log!("refused name from {peer}: {:?}", error.code);
    let mut client = Client::new(socket, peer, None);
    client.queue(|out| frame::text(out, &error.to_json()));
    client.finish(Some((1008, &error.message)));
}
