//! The hub's writing half: every connection's socket, the frames waiting for them, and the
//! heartbeat. Every byte the server sends leaves through here.
//!
//! The deciding half (`chat.rs` and its handlers) only says what goes to whom: a frame for one
//! connection ([`Outbox::own`]), or a frame encoded once for an audience ([`Outbox::shared`]) and
//! queued for each of its connections ([`Outbox::queue`]). Those go into the current batch
//! (`batch.rs`). [`Outbox::write`] then writes that batch to each client at once, one `sendmsg`
//! per client, without ever blocking on one (`client.rs`); what a socket will not take waits in
//! that client's backlog (`backlogs.rs` keeps their sizes: a client is *lagging* while it has
//! one), retried on every write and on the retry timer. The outbox never decides who must go: it
//! says who failed, and the hub's loop (`mod.rs`) has the chat remove them.
//!
//! Two batches: the one being written, and the one that takes what the chat decides meanwhile
//! (the loop reads the inbox in the middle of a long write, see [`Outbox::write`]); they swap at
//! each write, so both keep their buffers.

use std::time::{Duration, Instant};

use crate::config::Limits;
use crate::end::End;
use crate::event::ConnId;
use crate::hub::backlogs::Backlogs;
use crate::hub::batch::{Batch, Piece};
use crate::hub::client::Client;
use crate::hub::clients::{Clients, Slot};
use crate::ws::frame;

/// While a batch is being written, the inbox is looked at after every this many clients (a
/// few hundred microseconds of writing).
const ARRIVALS_EVERY: usize = 64;

/// Clients that must go, and why: the outbox found them out, the chat removes them.
pub type Failed = Vec<(ConnId, End)>;

pub struct Outbox {
    clients: Clients,
    /// Frames decided since the last write.
    batch: Batch,
    /// The other batch, empty: swapped with `batch` at each write.
    spare: Batch,
    /// Clients with a backlog, and how much: the only ones a retry visits.
    backlogs: Backlogs,
    /// Clients removed or refused since the last write, waiting for their Close frame.
    closing: Vec<(Client, End)>,
    /// When to look for silent connections to ping, while anyone is connected: set when the
    /// first one arrives and by each look ([`Outbox::heartbeat`]), nowhere else.
    heartbeat: Instant,
    max_backlog: usize,
    max_backlog_total: usize,
    ping_interval: Duration,
}

impl Outbox {
    pub fn new(limits: &Limits) -> Self {
        Outbox {
            clients: Clients::default(),
            batch: Batch::default(),
            spare: Batch::default(),
            backlogs: Backlogs::default(),
            closing: Vec::new(),
            heartbeat: Instant::now(),
            max_backlog: limits.max_backlog,
            max_backlog_total: limits.max_backlog_total,
            ping_interval: limits.ping_interval,
        }
    }

    /// Takes in a new connection's socket; its slot is how frames reach it.
    pub fn admit(&mut self, conn: ConnId, client: Client) -> Slot {
        if self.clients.is_empty() {
            self.heartbeat = Instant::now() + self.ping_interval / 2;
        }
        self.clients.insert(conn, client)
    }

    /// Takes a connection out: nothing more is written to it but its farewell, once
    /// [`Outbox::close`] is given it.
    pub fn remove(&mut self, conn: ConnId) -> Option<(Slot, Client)> {
        let (slot, client) = self.clients.remove(conn)?;
        self.batch.forget(slot);
        self.backlogs.set(slot, 0);
        Some((slot, client))
    }

    /// Closes a client removed (or refused) after the current batch is written: what waits for
    /// it, the `error` frame its `end` calls for, and its Close frame.
    pub fn close(&mut self, client: Client, end: End) {
        self.closing.push((client, end));
    }

    /// A connection sent something: it is alive, and the heartbeat leaves it alone for a while.
    pub fn heard(&mut self, conn: ConnId) -> Option<(Slot, &mut Client)> {
        let (slot, client) = self.clients.by_conn(conn)?;
        client.last_active = Instant::now();
        Some((slot, client))
    }

    pub fn slot(&self, conn: ConnId) -> Option<Slot> {
        self.clients.slot(conn)
    }

    pub fn client(&self, slot: Slot) -> Option<&Client> {
        self.clients.get(slot)
    }

    pub fn clients(&self) -> impl Iterator<Item = (Slot, &Client)> {
        self.clients.iter()
    }

    /// Encodes a frame for `slot` alone and queues it.
    pub fn own(&mut self, slot: Slot, encode: impl FnOnce(&mut Vec<u8>)) {
        self.batch.own(slot, encode);
    }

    /// Encodes a frame for an audience; queue it for each with [`Outbox::queue`].
    pub fn shared(&mut self, encode: impl FnOnce(&mut Vec<u8>)) -> Piece {
        self.batch.shared(encode)
    }

    pub fn queue(&mut self, slot: Slot, piece: Piece) {
        self.batch.queue(slot, piece);
    }

    /// Starts an audience made of overlapping groups, for [`Outbox::queue_once`].
    pub fn new_audience(&mut self) {
        self.batch.new_audience();
    }

    pub fn queue_once(&mut self, slot: Slot, piece: Piece) {
        self.batch.queue_once(slot, piece);
    }

    /// Whether frames are decided and not written yet.
    pub fn has_frames(&self) -> bool {
        !self.batch.is_empty()
    }

    /// Whether some client is behind (the retry timer is armed while one is).
    pub fn lagging(&self) -> bool {
        !self.backlogs.is_empty()
    }

    /// Whether `slot`'s socket has taken everything sent to it: nothing waits in the batch, nor
    /// in its backlog.
    pub fn taken(&self, slot: Slot) -> bool {
        let written = self.clients.get(slot).is_some_and(|c| !c.is_lagging());
        written && !self.batch.holds(slot)
    }

    /// Writes the batch to every client in it, then retries those behind since an earlier write,
    /// and returns those whose socket failed or who fell too far behind.
    ///
    /// Writing a large batch takes a while (a few milliseconds for a thousand clients), so every
    /// [`ARRIVALS_EVERY`] clients it calls `arrivals`, with which the loop reads the inbox and
    /// applies what came meanwhile: that goes into the other batch, for the next write. A sender
    /// written to first has its next message on the way at once, and that message is committed
    /// while the rest of this batch is written, not after.
    pub fn write(&mut self, mut arrivals: impl FnMut(&mut Outbox)) -> Failed {
        let spare = std::mem::take(&mut self.spare);
        let batch = std::mem::replace(&mut self.batch, spare);
        let (mut failed, mut lagging, mut slices) = (Vec::new(), Vec::new(), Vec::new());
        // Clients with frames of their own first: this batch's senders (their copy is their
        // acknowledgement) and newcomers (their welcome). A sender that hears back early sends
        // its next message while the others are still being written to.
        for (n, slot) in batch.flush_order().into_iter().enumerate() {
            if let Some(client) = self.clients.get_mut(slot) {
                batch.pieces_for(slot, &mut slices);
                match client.send(&slices, self.max_backlog) {
                    Err(end) => failed.push((slot, client.conn, end)),
                    Ok(()) if client.is_lagging() => lagging.push(slot),
                    Ok(()) => {}
                }
            }
            if n % ARRIVALS_EVERY == ARRIVALS_EVERY - 1 {
                slices.clear();
                arrivals(self);
            }
        }
        drop(slices);
        self.spare = batch;
        self.spare.clear();
        // Those behind since an earlier write (this one's are noted below).
        let mut failed = self.forget_failed(failed);
        failed.append(&mut self.retry());
        for slot in lagging {
            // A client removed meanwhile, or failing now, is no longer anyone's concern.
            if let Some(client) = self.clients.get(slot)
                && !failed.iter().any(|(conn, _)| *conn == client.conn)
            {
                self.backlogs.set(slot, client.backlog_len());
            }
        }
        failed.append(&mut self.over_total());
        failed
    }

    /// Tries again to write the backlogs of clients that are behind; returns those whose socket
    /// failed or that fell too far behind. Run by every write, so that a lagging client outside
    /// the batch's audiences (a replaying one, say) is not left waiting for the chat to go quiet,
    /// and by the retry timer, for when it does.
    pub fn retry(&mut self) -> Failed {
        let mut failed = Vec::new();
        let behind: Vec<_> = self.backlogs.slots().collect();
        for slot in behind {
            let Some(client) = self.clients.get_mut(slot) else {
                self.backlogs.set(slot, 0);
                continue;
            };
            if let Err(end) = client.retry(self.max_backlog) {
                failed.push((slot, client.conn, end));
            }
            self.backlogs.set(slot, client.backlog_len());
        }
        self.forget_failed(failed)
    }

    /// A failed client's backlog no longer counts against the total: it is on its way out.
    fn forget_failed(&mut self, failed: Vec<(Slot, ConnId, End)>) -> Failed {
        let forget = |(slot, conn, end)| {
            self.backlogs.set(slot, 0);
            (conn, end)
        };
        failed.into_iter().map(forget).collect()
    }

    /// While the backlogs together are over `--max-backlog-total`, the client with the largest
    /// must go: a crowd of sockets that never read costs no more than the total.
    fn over_total(&mut self) -> Failed {
        let mut evicted = Vec::new();
        while self.backlogs.total() > self.max_backlog_total {
            let Some(slot) = self.backlogs.largest() else {
                break;
            };
            self.backlogs.set(slot, 0);
            if let Some(client) = self.clients.get(slot) {
                evicted.push((client.conn, End::OverTotal));
            }
        }
        evicted
    }

    /// After a write and the removals it led to: the slots freed are free again, and the clients
    /// closing get their farewell.
    pub fn finish_closing(&mut self) {
        self.clients.recycle();
        for (client, end) in self.closing.drain(..) {
            client.finish(&end);
        }
    }

    /// When the heartbeat must next look for silent connections, while anyone is connected.
    pub fn next_heartbeat(&self) -> Option<Instant> {
        (!self.clients.is_empty()).then_some(self.heartbeat)
    }

    /// Pings those that have been silent for a ping interval, if the look is due. It is due
    /// every half interval, so a silent connection is pinged between one and one and a half
    /// intervals after it last sent anything.
    pub fn heartbeat(&mut self, now: Instant) {
        if self.clients.is_empty() || self.heartbeat > now {
            return;
        }
        let interval = self.ping_interval;
        for (slot, client) in self.clients.iter_mut() {
            if now.duration_since(client.last_active) >= interval {
                client.last_active = now;
                self.batch.own(slot, frame::ping);
            }
        }
        self.heartbeat = self.heartbeat.max(now) + interval / 2;
    }

    /// Closes every connection with 1001 ("going away": pages reconnect at once), once what is
    /// batched is written; returns how many there were.
    pub fn close_all(&mut self) -> usize {
        let mut count = 0;
        for client in self.clients.drain() {
            client.finish(&End::ServerStopping);
            count += 1;
        }
        count
    }
}
