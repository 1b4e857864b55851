//! The frames the hub has decided to send since its last flush, and who gets which.
//!
//! Under load the hub applies many events before writing, and each client gets its share of the
//! batch in one `sendmsg`, not one syscall per frame. Each frame is encoded once, into one of two
//! buffers: `shared`, for frames with an audience (a room's members, the two sides of a private
//! conversation, everyone who shares a room with someone), and `own`, for frames meant for one
//! connection (a sender's copy of its message, which carries its `id`; a welcome; an error; a
//! Pong). Each client then has a queue of pieces: ranges of those buffers, in order.
//!
//! Keeping the two apart keeps the shared frames contiguous: a client that gets every frame of a
//! room gets one piece, one slice for the kernel, however many senders' own copies lie between
//! them. A client that joined mid-batch only has what was queued after it joined.

use std::io::IoSlice;
use std::ops::Range;

use crate::hub::clients::Slot;

/// A stretch of one of the two buffers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Piece {
    own: bool,
    start: u32,
    end: u32,
}

/// A flushed batch keeps its buffers for the next one, unless a burst made them bigger than this.
const RETAINED_CAPACITY: usize = 1 << 20;

#[derive(Debug, Default)]
pub struct Batch {
    shared: Vec<u8>,
    own: Vec<u8>,
    /// Per slot, the pieces it gets, in order.
    queues: Vec<Vec<Piece>>,
    /// Slots with something queued, in the order they got their first piece.
    touched: Vec<Slot>,
    /// Slots that got a frame of their own: written before the others (see `outbox.rs`).
    first: Vec<Slot>,
    /// Per slot, whether it is in `first`.
    is_first: Vec<bool>,
    /// Per slot, the audience it was last counted in; lets an audience built from overlapping
    /// groups (several rooms) reach each client once.
    marks: Vec<u32>,
    mark: u32,
}

impl Batch {
    pub fn is_empty(&self) -> bool {
        self.touched.is_empty()
    }

    /// Encodes a frame for an audience; queue it with [`Batch::queue`].
    pub fn shared(&mut self, encode: impl FnOnce(&mut Vec<u8>)) -> Piece {
        let start = self.shared.len();
        encode(&mut self.shared);
        piece(false, start..self.shared.len())
    }

    /// Encodes a frame for `slot` alone and queues it.
    pub fn own(&mut self, slot: Slot, encode: impl FnOnce(&mut Vec<u8>)) {
        let start = self.own.len();
        encode(&mut self.own);
        let piece = piece(true, start..self.own.len());
        if self.is_first.len() <= slot {
            self.is_first.resize(slot + 1, false);
        }
        if !self.is_first[slot] {
            self.is_first[slot] = true;
            self.first.push(slot);
        }
        self.queue(slot, piece);
    }

    /// Queues a piece for `slot`, after what it already has.
    pub fn queue(&mut self, slot: Slot, piece: Piece) {
        if self.queues.len() <= slot {
            self.queues.resize_with(slot + 1, Vec::new);
        }
        let queue = &mut self.queues[slot];
        match queue.last_mut() {
            // The next frame of the same buffer: one longer piece, one slice.
            Some(last) if last.own == piece.own && last.end == piece.start => last.end = piece.end,
            Some(_) => queue.push(piece),
            None => {
                queue.push(piece);
                self.touched.push(slot);
            }
        }
    }

    /// Whether `slot` has frames waiting in this batch.
    pub fn holds(&self, slot: Slot) -> bool {
        self.queues.get(slot).is_some_and(|queue| !queue.is_empty())
    }

    /// Starts a new audience for [`Batch::queue_once`].
    pub fn new_audience(&mut self) {
        self.mark = self.mark.wrapping_add(1);
        if self.mark == 0 {
            // After four billion audiences the marks wrap: clear them so none is stale.
            self.marks.iter_mut().for_each(|m| *m = 0);
            self.mark = 1;
        }
    }

    /// Queues `piece` for `slot` unless it already got it in this audience.
    pub fn queue_once(&mut self, slot: Slot, piece: Piece) {
        if self.marks.len() <= slot {
            self.marks.resize(slot + 1, 0);
        }
        if self.marks[slot] != self.mark {
            self.marks[slot] = self.mark;
            self.queue(slot, piece);
        }
    }

    /// Drops whatever was queued for a client that has gone. (Its slot is not reused before the
    /// batch is flushed, see `clients.rs`.)
    pub fn forget(&mut self, slot: Slot) {
        if let Some(queue) = self.queues.get_mut(slot) {
            queue.clear();
        }
        if let Some(mark) = self.marks.get_mut(slot) {
            *mark = 0;
        }
    }

    /// The slots to write to, in order: those with frames of their own first.
    pub fn flush_order(&self) -> Vec<Slot> {
        let mut order = self.first.clone();
        order.extend(
            self.touched
                .iter()
                .filter(|&&s| !self.is_first[..].get(s).copied().unwrap_or(false)),
        );
        order
    }

    /// Fills `slices` with what `slot` gets, ready for one `sendmsg`. The caller reuses one vector
    /// for every client: no allocation per send.
    pub fn pieces_for<'a>(&'a self, slot: Slot, slices: &mut Vec<IoSlice<'a>>) {
        slices.clear();
        for piece in self.queues.get(slot).into_iter().flatten() {
            let buffer = if piece.own { &self.own } else { &self.shared };
            slices.push(IoSlice::new(
                &buffer[piece.start as usize..piece.end as usize],
            ));
        }
    }

    /// Empties the batch after every client has had its share.
    pub fn clear(&mut self) {
        for slot in self.touched.drain(..) {
            self.queues[slot].clear();
        }
        for slot in self.first.drain(..) {
            self.is_first[slot] = false;
        }
        for buffer in [&mut self.shared, &mut self.own] {
            buffer.clear();
            if buffer.capacity() > RETAINED_CAPACITY {
                *buffer = Vec::new();
            }
        }
    }
}

fn piece(own: bool, range: Range<usize>) -> Piece {
    // Offsets are u32. A batch holds what the hub decides between two writes: up to MAX_BATCH
    // events per look at the inbox (one before a write, one per 64 clients during the last write,
    // and what comes while `coalesce` waits 2 ms), each frame at most --max-message or the reply
    // budget. Not a bound the hub enforces, but gigabytes of frames would take millions of events
    // within one write; if it ever came, the hub stops rather than send a wrong slice.
    let start = u32::try_from(range.start).expect("a batch is smaller than 4 GiB");
    let end = u32::try_from(range.end).expect("a batch is smaller than 4 GiB");
    Piece { own, start, end }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn received(batch: &Batch, slot: Slot) -> (Vec<u8>, usize) {
        let mut slices = Vec::new();
        batch.pieces_for(slot, &mut slices);
        (
            slices.iter().flat_map(|s| s.to_vec()).collect(),
            slices.len(),
        )
    }

    #[test]
    fn an_audience_gets_its_frames_in_one_slice() {
        let mut batch = Batch::default();
        let one = batch.shared(|out| out.extend(b"one "));
        batch.own(0, |out| out.extend(b"(own copy) "));
        let two = batch.shared(|out| out.extend(b"two"));
        for frame in [one, two] {
            batch.queue(1, frame);
        }
        assert_eq!(received(&batch, 1), (b"one two".to_vec(), 1));
        assert_eq!(received(&batch, 0), (b"(own copy) ".to_vec(), 1));
        assert_eq!(
            batch.flush_order(),
            [0, 1],
            "slots with their own frames first"
        );
    }

    #[test]
    fn each_client_gets_only_its_audiences_frames_in_order() {
        let mut batch = Batch::default();
        let math = batch.shared(|out| out.extend(b"[math]"));
        let art = batch.shared(|out| out.extend(b"[art]"));
        batch.queue(2, math);
        batch.queue(3, art);
        batch.queue(2, art);
        batch.own(2, |out| out.extend(b"[pong]"));
        assert_eq!(received(&batch, 2).0, b"[math][art][pong]");
        assert_eq!(received(&batch, 3).0, b"[art]");
        assert_eq!(received(&batch, 4).0, b"", "nobody else");
    }

    #[test]
    fn an_audience_of_overlapping_groups_reaches_each_once() {
        let mut batch = Batch::default();
        batch.new_audience();
        let presence = batch.shared(|out| out.extend(b"p"));
        for slot in [1, 2, 2, 3, 1] {
            batch.queue_once(slot, presence);
        }
        assert_eq!(received(&batch, 1).0, b"p");
        assert_eq!(received(&batch, 2).0, b"p");
        batch.new_audience();
        batch.queue_once(1, presence);
        assert_eq!(received(&batch, 1).0, b"pp", "a new audience counts anew");
    }

    #[test]
    fn forgetting_and_clearing_drop_what_was_queued() {
        let mut batch = Batch::default();
        let frame = batch.shared(|out| out.extend(b"x"));
        batch.queue(5, frame);
        batch.forget(5);
        assert_eq!(received(&batch, 5).0, b"");
        batch.queue(6, frame);
        batch.clear();
        assert!(batch.is_empty());
        assert_eq!(received(&batch, 6).0, b"");
    }
}
