//! The hub's writing side: flushing a batch to every socket, handing changes to the store, the
//! timers, and the final close.
//!
//! Every byte the server sends leaves through here, via `Client`, without ever blocking: what a
//! socket will not take waits in that client's backlog, retried on a timer while anyone lags.
//! Changes for the store are offered without waiting too: if its channel is full, they wait in
//! the hub and are offered again at the next flush or on the retry timer.

use std::time::Instant;

use crate::end::End;
use crate::event::Event;
use crate::hub::chat::Hub;
use crate::hub::{BACKLOG_RETRY, MAX_BATCH, frame};

/// While a batch is being written, the inbox is looked at after every this many clients (a
/// few hundred microseconds of writing).
const ARRIVALS_EVERY: usize = 64;

impl Hub {
    /// Hands the batch's changes to the store, writes the batch to every client, then drops those
    /// whose socket failed or who fell too far behind.
    ///
    /// Writing a large batch takes a while (a few milliseconds for a thousand clients), and the
    /// events that arrive meanwhile are applied as it goes ([`Hub::take_arrivals`]), into the next
    /// batch: a sender written to first has its next message on the way at once, and that message
    /// is then committed while the rest of this batch is written, not after. What they add (and
    /// what dropping a client adds: presence) goes out with the next flush, which the hub's loop
    /// runs straight away (see [`Hub::next_timer`]).
    pub fn flush(&mut self) {
        self.offer_changes();
        let spare = std::mem::take(&mut self.spare);
        let batch = std::mem::replace(&mut self.batch, spare);
        let max_backlog = self.limits.max_backlog;
        let (mut failed, mut lagging, mut slices) = (Vec::new(), Vec::new(), Vec::new());
        // Clients with frames of their own first: this batch's senders (their copy is their
        // acknowledgement) and newcomers (their welcome). A sender that hears back early sends
        // its next message while the others are still being written to.
        for (n, slot) in batch.flush_order().into_iter().enumerate() {
            if let Some(client) = self.clients.get_mut(slot) {
                batch.pieces_for(slot, &mut slices);
                match client.send(&slices, max_backlog) {
                    Err(end) => failed.push((client.conn, end)),
                    Ok(()) if client.is_lagging() => lagging.push(slot),
                    Ok(()) => {}
                }
            }
            if n % ARRIVALS_EVERY == ARRIVALS_EVERY - 1 {
                slices.clear();
                self.take_arrivals();
            }
        }
        drop(slices);
        self.spare = batch;
        self.spare.clear();
        // Those behind since an earlier flush (this one's are noted below).
        self.retry_lagging();
        for slot in lagging {
            // A client removed meanwhile is no longer anyone's concern.
            if let Some(client) = self.clients.get(slot) {
                self.backlogs.set(slot, client.backlog_len());
            }
        }
        for (conn, end) in failed {
            self.remove(conn, end);
        }
        self.evict_over_total();
        self.clients.recycle();
        for (client, end) in self.closing.drain(..) {
            client.finish(&end);
        }
        self.advance_replays();
    }

    /// Writes what waits in the backlogs of clients that were behind, and drops those whose
    /// socket failed or that fell too far behind. Run by every flush, so that a lagging client
    /// outside the batch's audiences (a replaying one, say) is not left waiting for the chat to go
    /// quiet, and by the retry timer, for when it does.
    fn retry_lagging(&mut self) {
        if self.backlogs.is_empty() {
            return;
        }
        let mut failed = Vec::new();
        let behind: Vec<_> = self.backlogs.slots().collect();
        for slot in behind {
            let Some(client) = self.clients.get_mut(slot) else {
                self.backlogs.set(slot, 0);
                continue;
            };
            if let Err(end) = client.retry(self.limits.max_backlog) {
                failed.push((client.conn, end));
            }
            self.backlogs.set(slot, client.backlog_len());
        }
        for (conn, end) in failed {
            self.remove(conn, end);
        }
    }

    /// While the backlogs together are over `--max-backlog-total`, evicts the client with the
    /// largest: a crowd of sockets that never read costs no more than the total.
    fn evict_over_total(&mut self) {
        while self.backlogs.total() > self.limits.max_backlog_total {
            let Some(slot) = self.backlogs.largest() else {
                return;
            };
            self.backlogs.set(slot, 0);
            if let Some(client) = self.clients.get(slot) {
                self.remove(client.conn, End::OverTotal);
            }
        }
    }

    /// Applies what arrived on the inbox while a batch is being written (at most [`MAX_BATCH`]
    /// events), and hands any new messages to the store at once. Its frames join the next batch.
    fn take_arrivals(&mut self) {
        if self.stopping || self.inbox.is_empty() {
            return;
        }
        let arrived: Vec<Event> = self.inbox.try_iter().take(MAX_BATCH).collect();
        for event in arrived {
            if matches!(event, Event::Shutdown) {
                // The loop in mod.rs stops after this flush.
                self.stopping = true;
                break;
            }
            self.apply(event);
        }
        self.offer_changes();
    }

    /// Offers the waiting changes to the store, unless it is still committing the last ones:
    /// changes that come meanwhile wait here and go together in the next group (one commit, and
    /// one fan-out of the messages it makes durable, for many). Keeps them if its channel is full.
    pub(super) fn offer_changes(&mut self) {
        if self.changes.is_empty() || self.committing {
            return;
        }
        let changes = std::mem::take(&mut self.changes);
        match self.store.offer(changes) {
            Ok(()) => {
                self.committing = true;
                self.freeing.handed_over();
            }
            Err(returned) => self.changes = returned,
        }
    }

    /// The next instant the hub must wake without an event, if any.
    ///
    /// The retry is re-armed from now on every wake, so under a steady stream of events it never
    /// fires; it need not, because every flush retries lagging clients and offers waiting changes
    /// anyway. It matters only when the chat goes quiet.
    pub fn next_timer(&self) -> Option<Instant> {
        if !self.batch.is_empty() {
            // Frames applied during the last flush wait for the next one: now.
            return Some(Instant::now());
        }
        let behind =
            !self.backlogs.is_empty() || !self.changes.is_empty() || self.replays_waiting();
        let retry = behind.then(|| Instant::now() + BACKLOG_RETRY);
        [retry, self.next_heartbeat, self.departures.next_due()]
            .into_iter()
            .flatten()
            .min()
    }

    /// Retries lagging clients, announces departures whose grace has passed, and pings those
    /// that have been silent for a ping interval. The check runs every half interval, so a
    /// silent connection is pinged between one and one and a half intervals after it last sent
    /// anything.
    pub fn on_timer(&mut self, now: Instant) {
        self.retry_lagging();
        self.announce_departures(now);
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
        self.stopping = true;
        // What is batched, and what dropping a client on the way adds.
        while !self.batch.is_empty() {
            self.flush();
        }
        let mut count = 0;
        for client in self.clients.drain() {
            client.finish(&End::ServerStopping);
            count += 1;
        }
        count
    }
}
