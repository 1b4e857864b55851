//! The messages sent and not yet answered, by their client `id` (docs/PROTOCOL.md §4 `send`).
//!
//! The `keyboard` thread adds each message before writing it, so that its answer can never arrive
//! first; the socket loop takes it out when the answer comes: the message itself with that `id`
//! (stored for good), or an `error` naming it (refused: the loop then says which text failed).
//! Quitting waits, for a bounded time, until nothing is pending, so a script piping lines in
//! exits after its messages are stored. The lock is held for one map operation, never across I/O.

use std::collections::HashMap;
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::Duration;

/// Pending messages' texts by id, and a signal for "now there are none".
#[derive(Default)]
pub struct Pending {
    texts: Mutex<HashMap<String, String>>,
    emptied: Condvar,
}

impl Pending {
    /// Records a message about to be sent.
    pub fn add(&self, id: &str, text: &str) {
        self.lock().insert(id.to_owned(), text.to_owned());
    }

    /// The text of the message `id`, which has just been answered; `None` if it was not pending
    /// (an answer to an earlier run of the client, say).
    pub fn answered(&self, id: &str) -> Option<String> {
        let mut texts = self.lock();
        let text = texts.remove(id);
        if texts.is_empty() {
            self.emptied.notify_all();
        }
        text
    }

    /// Blocks until nothing is pending or `limit` has passed; how many are still pending.
    pub fn wait_until_empty(&self, limit: Duration) -> usize {
        let texts = self.lock();
        let (texts, _) = self
            .emptied
            .wait_timeout_while(texts, limit, |texts| !texts.is_empty())
            .expect("no thread panics holding the pending map");
        texts.len()
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, String>> {
        self.texts
            .lock()
            .expect("no thread panics holding the pending map")
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    #[test]
    fn an_answer_takes_its_message_out_once() {
        let pending = Pending::default();
        pending.add("c1", "hello");
        assert_eq!(pending.answered("c1").as_deref(), Some("hello"));
        assert_eq!(pending.answered("c1"), None);
    }

    #[test]
    fn waiting_ends_when_the_last_answer_comes() {
        let pending = Arc::new(Pending::default());
        pending.add("c1", "hello");
        let answers = Arc::clone(&pending);
        let answerer = std::thread::spawn(move || answers.answered("c1"));
        assert_eq!(pending.wait_until_empty(Duration::from_secs(5)), 0);
        answerer.join().expect("the answering thread");
        pending.add("c2", "never answered");
        assert_eq!(pending.wait_until_empty(Duration::from_millis(10)), 1);
    }
}
