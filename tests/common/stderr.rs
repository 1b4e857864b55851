//! What a [`Binary`](super::Binary) writes on stderr, collected by a thread as it is written, so a
//! test can wait for a log line (with a deadline) and count how often it came.

use std::io::{BufRead, BufReader};
use std::process::ChildStderr;
use std::sync::{Arc, Mutex};
use std::thread;

/// The lines written so far; more arrive while the process runs.
#[derive(Clone)]
pub struct Stderr(Arc<Mutex<String>>);

impl Stderr {
    /// Starts collecting `stderr` (of a binary launched with `Stdio::piped()`).
    pub fn collect(stderr: ChildStderr) -> Stderr {
        let log = Stderr(Arc::new(Mutex::new(String::new())));
        let sink = log.clone();
        thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                sink.0.lock().unwrap().push_str(&(line + "\n"));
            }
        });
        log
    }

    /// How many times `text` appears so far.
    pub fn count(&self, text: &str) -> usize {
        self.0.lock().unwrap().matches(text).count()
    }

    /// Everything so far.
    pub fn text(&self) -> String {
        self.0.lock().unwrap().clone()
    }
}
