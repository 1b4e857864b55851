//! The clients that are behind: what waits for each, what waits for all of them together, and
//! which of them has the most waiting.
//!
//! One client's backlog is bounded by `--max-backlog`; this bounds their sum by
//! `--max-backlog-total`, so that a crowd of sockets that never read (each under its own limit)
//! still costs bounded memory. Over the total, the client with the largest backlog goes first: the
//! one that costs most, and the one least likely to be reading. Sizes are kept ordered, so finding
//! it is a look at the end of a tree, not a walk over every client. Only clients with a backlog
//! are here (an idle chat keeps nothing), and `set` is the one way in or out, so the three views
//! never disagree.

use std::collections::{BTreeSet, HashMap};

use crate::hub::clients::Slot;

#[derive(Debug, Default)]
pub struct Backlogs {
    /// Each lagging client's backlog, in bytes.
    sizes: HashMap<Slot, usize>,
    /// The same, ordered by size: the largest is last.
    by_size: BTreeSet<(usize, Slot)>,
    /// The sum of `sizes`.
    total: usize,
}

impl Backlogs {
    /// Notes that `bytes` wait for `slot` now; 0 forgets it (caught up, or gone).
    pub fn set(&mut self, slot: Slot, bytes: usize) {
        if let Some(old) = self.sizes.remove(&slot) {
            self.by_size.remove(&(old, slot));
            self.total -= old;
        }
        if bytes > 0 {
            self.sizes.insert(slot, bytes);
            self.by_size.insert((bytes, slot));
            self.total += bytes;
        }
    }

    /// The clients that are behind, in no particular order.
    pub fn slots(&self) -> impl Iterator<Item = Slot> + '_ {
        self.sizes.keys().copied()
    }

    pub fn is_empty(&self) -> bool {
        self.sizes.is_empty()
    }

    /// Bytes waiting for all clients together.
    pub fn total(&self) -> usize {
        self.total
    }

    /// The client with the most waiting.
    pub fn largest(&self) -> Option<Slot> {
        self.by_size.last().map(|&(_, slot)| slot)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_sum_and_the_largest() {
        let mut backlogs = Backlogs::default();
        backlogs.set(1, 100);
        backlogs.set(2, 300);
        backlogs.set(3, 200);
        assert_eq!((backlogs.total(), backlogs.largest()), (600, Some(2)));
        backlogs.set(2, 50);
        assert_eq!((backlogs.total(), backlogs.largest()), (350, Some(3)));
        backlogs.set(3, 0);
        backlogs.set(1, 0);
        assert_eq!((backlogs.total(), backlogs.largest()), (50, Some(2)));
        backlogs.set(2, 0);
        assert!(backlogs.is_empty());
        assert_eq!((backlogs.total(), backlogs.largest()), (0, None));
    }
}
