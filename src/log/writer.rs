//! The `log` thread: the only thread that writes to stderr.
//!
//! Blocks on its channel until a line arrives, or until the next summary of rate-limited lines
//! is due. Woken by any thread's `log!` (see `mod.rs`). It writes each line with one `write_all`
//! and ignores write errors: a stderr whose reader has gone (EPIPE) has nobody to tell, and the
//! lines keep being taken off the channel so that nobody ever waits for them. If stderr blocks
//! (a full pipe), only this thread waits; meanwhile the channel fills and new lines are dropped
//! and counted. It never ends by itself: it lives as long as the process, and `main` gives it a
//! moment to write what is queued before exiting (`log::flush`).

use std::io::{self, Write};
use std::thread;
use std::time::Instant;

use crossbeam_channel::{Receiver, RecvTimeoutError};

use super::limit::{Limiter, Summary};
use super::time::format_utc;
use super::{Entry, Line, now_ms, take_dropped};

pub(super) fn start(entries: Receiver<Entry>) -> io::Result<()> {
    thread::Builder::new()
        .name("log".into())
        .spawn(move || run(entries))
        .map(drop)
}

fn run(entries: Receiver<Entry>) {
    let mut limiter = Limiter::default();
    loop {
        // Blocks until a line arrives or the next summary is due.
        let received = match limiter.next_due() {
            Some(due) => entries.recv_deadline(due),
            None => entries.recv().map_err(|_| RecvTimeoutError::Disconnected),
        };
        match received {
            Ok(Entry::Line(line)) => write_line(&mut limiter, line),
            Ok(Entry::Flush(done)) => drop(done.send(())),
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return,
        }
        for summary in limiter.expire(Instant::now()) {
            write_summary(&summary);
        }
        let dropped = take_dropped();
        if dropped > 0 {
            write_text(
                now_ms(),
                &format!("{dropped} log lines dropped: stderr could not keep up"),
            );
        }
    }
}

fn write_line(limiter: &mut Limiter, line: Line) {
    let allowed = match line.limit {
        Some(key) => limiter.admit(key, Instant::now()),
        None => true,
    };
    if allowed {
        write_text(line.at_ms, &line.text);
    }
}

fn write_summary(summary: &Summary) {
    let Summary {
        kind,
        client,
        suppressed,
        window,
    } = summary;
    let text = format!(
        "{client}: {suppressed} more {kind} in the last {}s, not logged one by one",
        window.as_secs()
    );
    write_text(now_ms(), &text);
}

/// One line, one `write_all`, errors ignored (see the module doc).
fn write_text(at_ms: u64, text: &str) {
    let line = format!("{} {text}\n", format_utc(at_ms));
    let _ = io::stderr().lock().write_all(line.as_bytes());
}
