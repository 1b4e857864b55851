//! The `keyboard` thread: one typed line at a time, turned into a frame and written.
//!
//! Blocks reading stdin until a whole line is typed. Woken only by the user (a line, or the end of
//! stdin); nothing else can wake it, which is why nobody waits for it: when the connection ends,
//! the main thread returns and the process ends this thread with it. Between lines it blocks
//! briefly on the [`Writer`]'s lock (while the socket loop writes a frame) and on the socket
//! taking the frame. It keeps the one piece of state the server does not: which room plain text
//! goes to. Each message gets a client `id`, recorded in [`Pending`] before it is written.
//!
//! It ends on `/quit` or the end of stdin: it waits, at most [`PENDING_WAIT`], for the answers to
//! what is pending, writes a Close (1000), and gives the server [`CLOSE_WAIT`] to answer it. The
//! answer ends the socket loop and the process, cutting that pause short; if none comes, it shuts
//! the socket down, which wakes the socket loop. It also ends if a write fails (the connection is
//! gone; the socket loop says why).

use std::io::{self, BufRead};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};
use tungstenite::protocol::frame::coding::CloseCode;

use super::command::{self, Command, HELP};
use super::pending::Pending;
use super::show;
use super::writer::Writer;

/// How long quitting waits for the answers to messages still pending: a stored message is
/// answered within milliseconds; a server that takes longer is not answering.
const PENDING_WAIT: Duration = Duration::from_secs(5);

/// How long the server has to answer our Close before the socket is shut down.
const CLOSE_WAIT: Duration = Duration::from_secs(2);

/// The room plain text goes to until `/room`, `/join` or `/create` names another.
const FIRST_ROOM: &str = "general";

/// What the keyboard thread owns.
struct Keyboard {
    writer: Arc<Writer>,
    pending: Arc<Pending>,
    /// Where plain text goes.
    room: String,
    ids: Ids,
}

/// Starts the `keyboard` thread.
pub fn start(writer: Arc<Writer>, pending: Arc<Pending>) -> io::Result<()> {
    let keyboard = Keyboard {
        writer,
        pending,
        room: FIRST_ROOM.into(),
        ids: Ids::new(),
    };
    thread::Builder::new()
        .name("keyboard".into())
        .spawn(move || run(keyboard))?;
    Ok(())
}

fn run(mut keyboard: Keyboard) {
    // Blocks until a whole line is typed or stdin ends (then `lines` ends).
    for line in io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        let written = match command::parse(&line) {
            Command::Quit => break,
            command => keyboard.act(command),
        };
        if written.is_err() {
            return; // The connection is gone; the socket loop says why.
        }
    }
    keyboard.quit();
}

impl Keyboard {
    /// Does what one line asks: writes its frame, or only tells the user something.
    fn act(&mut self, command: Command) -> tungstenite::Result<()> {
        let frame = match command {
            Command::Say(text) => self.message(json!({"type": "send", "room": self.room}), text),
            Command::Dm { to, text } => self.message(json!({"type": "dm", "to": to}), text),
            Command::Join(room) => self.switch_with("join", room),
            Command::Create(room) => self.switch_with("create", room),
            Command::Leave(room) => {
                let room = room.unwrap_or_else(|| self.room.clone());
                json!({"type": "leave", "room": room})
            }
            Command::Rooms => json!({"type": "rooms"}),
            Command::Who => json!({"type": "members", "room": self.room}),
            Command::Switch(room) => {
                self.switch(room);
                return Ok(());
            }
            Command::Help => {
                show::print(HELP.lines().map(str::to_owned));
                return Ok(());
            }
            Command::Mistake(why) => {
                show::print([why]);
                return Ok(());
            }
            Command::Nothing | Command::Quit => return Ok(()),
        };
        self.writer.send(&frame)
    }

    /// A `send` or `dm` frame with `text` and a new id, recorded as pending.
    fn message(&mut self, mut frame: Value, text: String) -> Value {
        let id = self.ids.next();
        self.pending.add(&id, &text);
        frame["text"] = text.into();
        frame["id"] = id.into();
        frame
    }

    /// A `join` or `create` frame for `room`, which becomes the current room.
    fn switch_with(&mut self, kind: &str, room: String) -> Value {
        let frame = json!({"type": kind, "room": room});
        self.switch(room);
        frame
    }

    fn switch(&mut self, room: String) {
        show::print([format!("talking in #{}", show::clean(&room))]);
        self.room = room;
    }

    /// Waits for what is pending, then closes (see the module header).
    fn quit(self) {
        let unanswered = self.pending.wait_until_empty(PENDING_WAIT);
        if unanswered > 0 {
            eprintln!("threadchat chat: {unanswered} message(s) sent but not acknowledged");
        }
        if self.writer.close(Some(CloseCode::Normal), "bye").is_err() {
            return; // Already closed, or gone: the socket loop is ending anyway.
        }
        // Cut short when the socket loop sees the server's Close and the process exits.
        thread::sleep(CLOSE_WAIT);
        self.writer.shut_down();
    }
}

/// Client ids unique to this run: a message `id` is remembered per user for a day, across
/// connections (`--retry-window`, §4), so a counter restarting at `c1` each run would make the
/// next run's messages look like retries of this one's, and the server would not send them.
struct Ids {
    run: String,
    next: u64,
}

impl Ids {
    fn new() -> Ids {
        let millis = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |since| since.as_millis());
        let run = format!("{millis:x}.{:x}", std::process::id());
        Ids { run, next: 1 }
    }

    fn next(&mut self) -> String {
        let id = format!("{}.{}", self.run, self.next);
        self.next += 1;
        id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_differ_within_a_run_and_fit_the_limit() {
        let mut ids = Ids::new();
        let (first, second) = (ids.next(), ids.next());
        assert_ne!(first, second);
        // The protocol's limit on an id (docs/PROTOCOL.md §8).
        assert!(first.chars().count() <= 64, "{first}");
    }
}
