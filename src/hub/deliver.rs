//! The hub's writing side: flushing a batch to every socket, the timers, and the final close.
//!
//! Every byte the server sends leaves through here, via `Client`, without ever blocking: what a
//! socket will not take waits in that client's backlog, retried on a timer while anyone lags.

use std::collections::HashSet;
use std::io::IoSlice;
use std::time::Instant;

use crate::end::End;
use crate::event::ConnId;
use crate::hub::batch::Batch;
use crate::hub::chat::Hub;
use crate::hub::client::Client;
use crate::hub::{BACKLOG_RETRY, frame};

impl Hub {
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
        for (client, end) in self.closing.drain(..) {
            client.finish(&end);
        }
    }

    /// Removes the clients a send failed for; `remove` logs each one once, with its reason.
    fn drop_failed(&mut self, failed: Vec<(ConnId, End)>) {
        for (conn, end) in failed {
            self.remove(conn, end);
        }
    }

    /// The next instant the hub must wake without an event, if any.
    ///
    /// The backlog retry is re-armed from now on every wake, so under a steady stream of events it
    /// never fires; it need not, because every flush retries lagging clients anyway (`send`
    /// starts with the backlog). It matters only when the chat goes quiet.
    pub fn next_timer(&self) -> Option<Instant> {
        let retry = (!self.lagging.is_empty()).then(|| Instant::now() + BACKLOG_RETRY);
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
        let interval = self.limits.ping_interval;
        for (&conn, client) in &mut self.clients {
            if now.duration_since(client.last_active) >= interval {
                client.last_active = now;
                self.batch.direct(conn, frame::ping);
            }
        }
        self.next_heartbeat = (!self.clients.is_empty()).then_some(due.max(now) + interval / 2);
    }

    /// Closes every connection with 1001 ("going away": pages reconnect at once).
    pub fn close_all(&mut self) -> usize {
        self.flush();
        let count = self.clients.len();
        for (_, client) in self.clients.drain() {
            client.finish(&End::ServerStopping);
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
