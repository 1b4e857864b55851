//! The hub's connections, in a slab: each has a small number, its [`Slot`], that rooms and
//! batches use to reach it with one index instead of a hash lookup per delivery.
//!
//! Slots are reused once free, so anything that outlives a connection names it by its
//! [`ConnId`] (unique for the server's life) instead: events from readers, and the store's answers.
//! A slot freed during a batch is reused only after that batch is flushed ([`Clients::recycle`]),
//! so that nothing queued for the old connection can reach the new one.

use std::collections::HashMap;

use crate::event::ConnId;
use crate::hub::client::Client;

/// Where a connection lives in the slab.
pub type Slot = usize;

#[derive(Debug, Default)]
pub struct Clients {
    slots: Vec<Option<Client>>,
    free: Vec<Slot>,
    /// Freed during this batch: free again after the flush.
    retired: Vec<Slot>,
    by_conn: HashMap<ConnId, Slot>,
}

impl Clients {
    pub fn insert(&mut self, conn: ConnId, client: Client) -> Slot {
        let slot = match self.free.pop() {
            Some(slot) => {
                self.slots[slot] = Some(client);
                slot
            }
            None => {
                self.slots.push(Some(client));
                self.slots.len() - 1
            }
        };
        self.by_conn.insert(conn, slot);
        slot
    }

    pub fn remove(&mut self, conn: ConnId) -> Option<(Slot, Client)> {
        let slot = self.by_conn.remove(&conn)?;
        let client = self.slots[slot].take()?;
        self.retired.push(slot);
        Some((slot, client))
    }

    /// Makes the slots freed during the batch just flushed available again.
    pub fn recycle(&mut self) {
        self.free.append(&mut self.retired);
    }

    pub fn slot(&self, conn: ConnId) -> Option<Slot> {
        self.by_conn.get(&conn).copied()
    }

    pub fn get(&self, slot: Slot) -> Option<&Client> {
        self.slots.get(slot)?.as_ref()
    }

    pub fn get_mut(&mut self, slot: Slot) -> Option<&mut Client> {
        self.slots.get_mut(slot)?.as_mut()
    }

    /// The client of a connection, with its slot.
    pub fn by_conn(&mut self, conn: ConnId) -> Option<(Slot, &mut Client)> {
        let slot = self.slot(conn)?;
        Some((slot, self.get_mut(slot)?))
    }

    pub fn iter_mut(&mut self) -> impl Iterator<Item = (Slot, &mut Client)> {
        self.slots
            .iter_mut()
            .enumerate()
            .filter_map(|(slot, client)| Some((slot, client.as_mut()?)))
    }

    pub fn iter(&self) -> impl Iterator<Item = (Slot, &Client)> {
        self.slots
            .iter()
            .enumerate()
            .filter_map(|(slot, client)| Some((slot, client.as_ref()?)))
    }

    pub fn drain(&mut self) -> impl Iterator<Item = Client> + '_ {
        self.by_conn.clear();
        self.free.clear();
        self.retired.clear();
        self.slots.drain(..).flatten()
    }

    pub fn is_empty(&self) -> bool {
        self.by_conn.is_empty()
    }
}
