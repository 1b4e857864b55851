//! The frames the hub has decided to send since its last flush, encoded once for everyone.
//!
//! Under load the hub drains many events before writing, and every client gets the whole batch in
//! one `sendmsg`, not one syscall per message. Most of a batch is the same for every client (the
//! `common` bytes); the few exceptions are per-client *edits*: the sender's own copy of its message
//! (which carries its `id`), a frame for one client only (an error, a Pong, a welcome), and a
//! client that joined mid-batch, which must not see what was sent before it arrived.

use std::collections::HashMap;
use std::io::IoSlice;
use std::ops::Range;

use crate::event::ConnId;

/// For one client: at byte `at` of the common bytes, skip `skip` bytes and send `bytes` instead.
#[derive(Debug)]
struct Edit {
    at: usize,
    skip: usize,
    bytes: Vec<u8>,
}

/// Bytes to send, shared by all clients, with per-client edits.
#[derive(Debug, Default)]
pub struct Batch {
    common: Vec<u8>,
    /// Per client, edits in increasing `at` order (events are applied in order).
    edits: HashMap<ConnId, Vec<Edit>>,
}

/// A flushed batch keeps its buffer for the next one, unless a burst made it bigger than this.
const RETAINED_CAPACITY: usize = 1 << 20;

impl Batch {
    pub fn is_empty(&self) -> bool {
        self.common.is_empty() && self.edits.is_empty()
    }

    /// Appends a frame for every client, written by `encode`; returns where it lies.
    pub fn broadcast(&mut self, encode: impl FnOnce(&mut Vec<u8>)) -> Range<usize> {
        let start = self.common.len();
        encode(&mut self.common);
        start..self.common.len()
    }

    /// Gives `conn` its own version of the frame at `range` (from [`Batch::broadcast`]).
    pub fn replace_for(&mut self, conn: ConnId, range: Range<usize>, bytes: Vec<u8>) {
        let edit = Edit {
            at: range.start,
            skip: range.len(),
            bytes,
        };
        self.edits.entry(conn).or_default().push(edit);
    }

    /// Appends a frame for `conn` alone, after everything batched so far.
    pub fn direct(&mut self, conn: ConnId, encode: impl FnOnce(&mut Vec<u8>)) {
        let at = self.common.len();
        let edits = self.edits.entry(conn).or_default();
        match edits.last_mut() {
            // Several frames for one client at the same point (a burst of errors) share one edit.
            Some(last) if last.at + last.skip == at && last.skip == 0 => encode(&mut last.bytes),
            _ => {
                let mut bytes = Vec::new();
                encode(&mut bytes);
                edits.push(Edit { at, skip: 0, bytes });
            }
        }
    }

    /// A client that arrives now sees `first` and then only what is batched after this point.
    pub fn start_for(&mut self, conn: ConnId, first: Vec<u8>) {
        let edit = Edit {
            at: 0,
            skip: self.common.len(),
            bytes: first,
        };
        self.edits.insert(conn, vec![edit]);
    }

    /// The clients that get something of their own in this batch.
    pub fn edited(&self) -> impl Iterator<Item = ConnId> + '_ {
        self.edits.keys().copied()
    }

    pub fn has_edits(&self, conn: ConnId) -> bool {
        self.edits.contains_key(&conn)
    }

    /// Drops whatever was meant for a client that has gone.
    pub fn forget(&mut self, conn: ConnId) {
        self.edits.remove(&conn);
    }

    /// Fills `pieces` with the parts of this batch that `conn` should receive, in order, ready
    /// for one `sendmsg`. The caller reuses one vector for every client: no allocation per send.
    pub fn pieces_for<'a>(&'a self, conn: ConnId, pieces: &mut Vec<IoSlice<'a>>) {
        pieces.clear();
        let mut cursor = 0;
        for edit in self.edits.get(&conn).into_iter().flatten() {
            if edit.at > cursor {
                pieces.push(IoSlice::new(&self.common[cursor..edit.at]));
            }
            pieces.push(IoSlice::new(&edit.bytes));
            cursor = edit.at + edit.skip;
        }
        if cursor < self.common.len() {
            pieces.push(IoSlice::new(&self.common[cursor..]));
        }
    }

    /// Empties the batch after every client has had its pieces.
    pub fn clear(&mut self) {
        self.common.clear();
        if self.common.capacity() > RETAINED_CAPACITY {
            self.common = Vec::new();
        }
        self.edits.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pieces(batch: &Batch, conn: ConnId) -> Vec<IoSlice<'_>> {
        let mut pieces = Vec::new();
        batch.pieces_for(conn, &mut pieces);
        pieces
    }

    fn received(batch: &Batch, conn: ConnId) -> Vec<u8> {
        pieces(batch, conn)
            .iter()
            .flat_map(|p| p.to_vec())
            .collect()
    }

    #[test]
    fn everyone_gets_the_common_bytes() {
        let mut batch = Batch::default();
        batch.broadcast(|out| out.extend(b"one "));
        batch.broadcast(|out| out.extend(b"two"));
        assert_eq!(received(&batch, 1), b"one two");
        assert_eq!(pieces(&batch, 1).len(), 1, "one slice: one copy-free write");
    }

    #[test]
    fn a_sender_gets_its_own_copy_in_place() {
        let mut batch = Batch::default();
        batch.broadcast(|out| out.extend(b"a "));
        let range = batch.broadcast(|out| out.extend(b"msg"));
        batch.replace_for(7, range, b"MSG+id".to_vec());
        batch.broadcast(|out| out.extend(b" z"));
        assert_eq!(received(&batch, 7), b"a MSG+id z");
        assert_eq!(received(&batch, 8), b"a msg z");
    }

    #[test]
    fn a_newcomer_sees_its_welcome_then_only_what_follows() {
        let mut batch = Batch::default();
        batch.broadcast(|out| out.extend(b"before "));
        batch.start_for(3, b"welcome ".to_vec());
        batch.broadcast(|out| out.extend(b"after"));
        batch.direct(3, |out| out.extend(b" pong"));
        batch.direct(3, |out| out.extend(b" pong2"));
        assert_eq!(received(&batch, 3), b"welcome after pong pong2");
        assert_eq!(received(&batch, 4), b"before after");
    }

    #[test]
    fn clearing_and_forgetting_drop_the_bytes() {
        let mut batch = Batch::default();
        batch.direct(1, |out| out.extend(b"x"));
        batch.forget(1);
        assert!(batch.is_empty());
        batch.broadcast(|out| out.extend(b"y"));
        batch.clear();
        assert!(batch.is_empty());
    }
}
