//! The hub's writing side: flushing a batch to every socket, handing changes to the store, the
//! timers, and the final close.
//!
//! Every byte the server sends leaves through here, via `Client`, without ever blocking: what a
//! socket will not take waits in that client's backlog, retried on a timer while anyone lags.
//! Changes for the store are offered without waiting too: if its channel is full, they wait in
//! the hub and are offered again at the next flush or on the retry timer.

use std::collections::HashSet;
use std::io::IoSlice;
use std::time::Instant;

use crate::end::End;
use crate::event::ConnId;
use crate::hub::batch::Batch;
use crate::hub::chat::Hub;
use crate::hub::client::Client;
use crate::hub::clients::Slot;
use crate::hub::{BACKLOG_RETRY, frame};

impl Hub {
    /// Hands the batch's changes to the store, writes the batch to every client, then drops those
    /// whose socket failed or who fell too far behind (which may batch presence frames, hence the
    /// loop).
    pub fn flush(&mut self) {
        self.offer_changes();
        while !self.batch.is_empty() {
            let order = self.batch.flush_order();
            let mut out = Delivery {
                failed: Vec::new(),
                slices: Vec::new(),
                lagging: &mut self.lagging,
            };
            // Clients with frames of their own first: this batch's senders (their copy is their
            // acknowledgement) and newcomers (their welcome). A sender that hears back early sends
            // its next message while the others are still being written to.
            let max_backlog = self.limits.max_backlog;
            for slot in order {
                if let Some(client) = self.clients.get_mut(slot) {
                    out.deliver(slot, client, &self.batch, max_backlog);
                }
            }
            let failed = out.failed;
            self.batch.clear();
            self.clients.recycle();
            for (conn, end) in failed {
                self.remove(conn, end);
            }
        }
        self.clients.recycle();
        for (client, end) in self.closing.drain(..) {
            client.finish(&end);
        }
        self.advance_replays();
    }

    /// Offers the waiting changes to the store; keeps them if it is busy.
    fn offer_changes(&mut self) {
        if self.changes.is_empty() {
            return;
        }
        let changes = std::mem::take(&mut self.changes);
        if let Err(returned) = self.store.offer(changes) {
            self.changes = returned;
        }
    }

    /// The next instant the hub must wake without an event, if any.
    ///
    /// The retry is re-armed from now on every wake, so under a steady stream of events it never
    /// fires; it need not, because every flush retries lagging clients and offers waiting changes
    /// anyway. It matters only when the chat goes quiet.
    pub fn next_timer(&self) -> Option<Instant> {
        let behind = !self.lagging.is_empty() || !self.changes.is_empty() || self.replays_waiting();
        let retry = behind.then(|| Instant::now() + BACKLOG_RETRY);
        match (retry, self.next_heartbeat) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Retries lagging clients, and pings those that have been silent for a ping interval. The
    /// check runs every half interval, so a silent connection is pinged between one and one and
    /// a half intervals after it last sent anything.
    pub fn on_timer(&mut self, now: Instant) {
        let mut failed = Vec::new();
        for &slot in &self.lagging {
            if let Some(client) = self.clients.get_mut(slot)
                && let Err(end) = client.retry(self.limits.max_backlog)
            {
                failed.push((client.conn, end));
            }
        }
        let clients = &self.clients;
        self.lagging
            .retain(|&slot| clients.get(slot).is_some_and(Client::is_lagging));
        for (conn, end) in failed {
            self.remove(conn, end);
        }
        let Some(due) = self.next_heartbeat.filter(|due| *due <= now) else {
            return;
        };
        let interval = self.limits.ping_interval;
        for (slot, client) in self.clients.iter_mut() {
            if now.duration_since(client.last_active) >= interval {
                client.last_active = now;
                self.batch.own(slot, frame::ping);
            }
        }
        self.next_heartbeat = (!self.clients.is_empty()).then_some(due.max(now) + interval / 2);
    }

    /// Closes every connection with 1001 ("going away": pages reconnect at once).
    pub fn close_all(&mut self) -> usize {
        self.flush();
        let mut count = 0;
        for client in self.clients.drain() {
            client.finish(&End::ServerStopping);
            count += 1;
        }
        count
    }
}

/// One flush's bookkeeping: who failed, who fell behind, and the reusable slice list.
struct Delivery<'a, 'b> {
    failed: Vec<(ConnId, End)>,
    slices: Vec<IoSlice<'b>>,
    lagging: &'a mut HashSet<Slot>,
}

impl<'b> Delivery<'_, 'b> {
    fn deliver(&mut self, slot: Slot, client: &mut Client, batch: &'b Batch, max_backlog: usize) {
        batch.pieces_for(slot, &mut self.slices);
        if let Err(end) = client.send(&self.slices, max_backlog) {
            self.failed.push((client.conn, end));
        } else if client.is_lagging() {
            self.lagging.insert(slot);
        }
    }
}
