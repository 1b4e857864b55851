//! Threads the chat cannot live without, and what happens when one of them panics anyway.
//!
//! A panic ends only the thread it happens in. If that thread is the hub, the process would stay
//! up with its other threads, accepting connections that nobody serves: alive to a service
//! manager, dead to its users. So every long-lived thread the server starts carries an [`Alarm`]
//! which, if the thread unwinds, reports the thread's name on the `failures` channel. `main`
//! waits on that channel beside the signals, says which thread died, and exits non-zero.

use std::io;
use std::thread::{self, JoinHandle};

use crossbeam_channel::{Receiver, Sender};

/// Room for a few reports; past that, the ones already queued say enough.
const FAILURES_CAPACITY: usize = 8;

/// The two ends of the failures channel: every critical thread holds a `Sender`, `main` (through
/// `Server::failures`) the `Receiver`.
pub fn channel() -> (Sender<String>, Receiver<String>) {
    crossbeam_channel::bounded(FAILURES_CAPACITY)
}

/// Reports its thread's name when dropped during a panic.
struct Alarm {
    name: String,
    failures: Sender<String>,
}

impl Drop for Alarm {
    fn drop(&mut self) {
        if thread::panicking() {
            // Never blocks: a full channel already holds enough bad news.
            let _ = self.failures.try_send(self.name.clone());
        }
    }
}

/// Starts a named thread whose panic is reported on `failures`.
pub fn spawn(
    name: &str,
    failures: &Sender<String>,
    body: impl FnOnce() + Send + 'static,
) -> io::Result<JoinHandle<()>> {
    let alarm = Alarm {
        name: name.to_owned(),
        failures: failures.clone(),
    };
    thread::Builder::new().name(name.into()).spawn(move || {
        let _alarm = alarm;
        body();
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_panic_is_reported_and_a_normal_end_is_not() {
        let (failures, reports) = channel();
        let fine = spawn("fine", &failures, || {}).unwrap();
        assert!(fine.join().is_ok());
        let doomed = spawn("doomed", &failures, || panic!("on purpose")).unwrap();
        assert!(doomed.join().is_err());
        assert_eq!(
            reports.recv_timeout(Duration::from_secs(5)).as_deref(),
            Ok("doomed")
        );
        assert!(reports.try_recv().is_err(), "only the panic was reported");
    }
}
