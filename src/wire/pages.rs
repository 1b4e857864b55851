//! Answers that list things stop at a byte budget: what a page holds is measured as it will be
//! encoded, so that no answer the server builds for one client can outgrow that client's backlog
//! (`Limits::reply_bytes`), however many messages, rooms or members there are.

use std::io;

use serde::Serialize;

/// Takes `items` in order while their encoded size (each as one element of a JSON array, its
/// comma included) fits in `budget` bytes, and always the first one, so that paging moves on.
/// Says too whether any were left. Items past the first that does not fit are never looked at.
pub fn fit<T: Serialize>(items: impl IntoIterator<Item = T>, budget: usize) -> (Vec<T>, bool) {
    let mut taken = Vec::new();
    let mut used = 0;
    for item in items {
        let size = encoded_len(&item) + 1;
        if !taken.is_empty() && used + size > budget {
            return (taken, true);
        }
        used += size;
        taken.push(item);
    }
    (taken, false)
}

/// The length of `item` as JSON, counted without building the text.
fn encoded_len<T: Serialize>(item: &T) -> usize {
    let mut counter = Counter(0);
    // Writing to a counter cannot fail, and server frames hold only strings and integers.
    let _ = serde_json::to_writer(&mut counter, item);
    counter.0
}

/// A writer that only counts what it is given.
struct Counter(usize);

impl io::Write for Counter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0 += buf.len();
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_as_json_spells_it() {
        assert_eq!(encoded_len(&"a\"b"), r#""a\"b""#.len());
        assert_eq!(encoded_len(&vec![1, 22]), 6);
    }

    #[test]
    fn stops_at_the_budget_and_says_so() {
        // Each `"ab"` costs 4 bytes and its comma 1.
        let names = ["ab", "cd", "ef"];
        assert_eq!(fit(names, 10), (vec!["ab", "cd"], true));
        assert_eq!(fit(names, 15), (vec!["ab", "cd", "ef"], false));
        assert_eq!(fit(names, 1), (vec!["ab"], true), "one at least");
        assert_eq!(fit(Vec::<&str>::new(), 1), (vec![], false));
    }
}
