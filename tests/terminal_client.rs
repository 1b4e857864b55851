//! `threadchat chat URL`, the terminal client, driven through its stdin and stdout against the
//! real server binary, with a harness WebSocket client on the other side.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use common::{Binary, Client, DEADLINE, PASSWORD, TempDir, open_at};
use serde_json::json;

/// The client as a user runs it, its stdin a pipe and its stdout read line by line; killed and
/// reaped when dropped.
struct Terminal {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
    /// Its stderr, whole, once it has exited.
    stderr: Receiver<String>,
}

impl Terminal {
    /// `threadchat chat http://HOST:PORT/` for `server`.
    fn start(server: &Binary) -> Terminal {
        let mut child = Command::new(env!("CARGO_BIN_EXE_threadchat"))
            .args(["chat", &format!("http://{}/", server.http)])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the client starts");
        let stdout = child.stdout.take().expect("stdout is piped");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let mut stderr_pipe = child.stderr.take().expect("stderr is piped");
        let (tx, stderr) = mpsc::channel();
        std::thread::spawn(move || {
            let mut text = String::new();
            let _ = stderr_pipe.read_to_string(&mut text);
            let _ = tx.send(text);
        });
        let stdin = child.stdin.take();
        Terminal {
            child,
            stdin,
            lines,
            stderr,
        }
    }

    /// Types `line` and Enter.
    fn type_line(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().expect("stdin is still open");
        writeln!(stdin, "{line}").expect("the client reads its stdin");
    }

    /// Skips printed lines until one contains `needle`; that line.
    fn expect(&self, needle: &str) -> String {
        let deadline = Instant::now() + DEADLINE;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) if line.contains(needle) => return line,
                Ok(_) => continue,
                Err(_) => panic!("no line with {needle:?} within {DEADLINE:?}"),
            }
        }
    }

    /// Closes stdin, as Ctrl-D does.
    fn end_input(&mut self) {
        self.stdin = None;
    }

    /// Waits for the client to exit, and fails the test unless its status is 0.
    fn exits_with_0(&mut self) {
        let (status, stderr) = self.exit();
        assert!(status.success(), "{status}: {stderr}");
    }

    /// Waits for the client to exit; its status and its stderr.
    fn exit(&mut self) -> (ExitStatus, String) {
        let deadline = Instant::now() + DEADLINE;
        loop {
            if let Some(status) = self.child.try_wait().expect("the client can be waited for") {
                let stderr = self.stderr.recv_timeout(DEADLINE).unwrap_or_default();
                return (status, stderr);
            }
            assert!(
                Instant::now() < deadline,
                "the client did not exit in {DEADLINE:?}"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Terminal {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A server with accounts, and `bob` connected on the harness's client.
fn server_with_bob() -> (Binary, Client) {
    let server = Binary::accounts(TempDir::new(), &[], Stdio::null());
    server.register("alice");
    let bob = server.join(&server.register("bob"));
    (server, bob)
}

/// A server under --guests, and the guest `dave` connected on the harness's client.
fn guests_with_dave() -> (Binary, Client) {
    let server = Binary::guests(&[], Stdio::null());
    let mut dave = open_at(&server.ws, "/?name=dave", &[]).expect("handshake");
    assert_eq!(dave.recv()["type"], "welcome");
    (server, dave)
}

// Signed in from stdin lines, the client sends a line to general, shows it once acknowledged,
// shows what another user writes and who is in the room, and /quit ends it with status 0.
#[test]
fn signs_in_chats_and_quits_with_status_0() {
    let (server, mut bob) = server_with_bob();
    let mut alice = Terminal::start(&server);
    alice.type_line("alice");
    alice.type_line(PASSWORD);
    alice.expect("welcome, alice.");
    alice.type_line("hello from a terminal");
    bob.hears("hello from a terminal");
    alice.expect("#general alice: hello from a terminal");
    bob.post("hi alice", "b1");
    alice.expect("#general bob: hi alice");
    alice.type_line("/who");
    alice.expect("#general: alice (online), bob (online)");
    alice.type_line("/quit");
    alice.exits_with_0();
}

// A script piping its lines in and ending its input exits 0 once its message is stored: the
// client waits for the acknowledgement before it closes.
#[test]
fn a_script_ends_after_its_message_is_stored() {
    let (server, mut bob) = server_with_bob();
    let mut script = Terminal::start(&server);
    script.type_line(&format!("alice\n{PASSWORD}\nfrom a script"));
    script.end_input();
    bob.hears("from a script");
    script.expect("#general alice: from a script");
    script.exits_with_0();
}

// A wrong password is refused before any connection: the API's reason on stderr, status 1.
#[test]
fn a_wrong_password_ends_with_the_reason() {
    let (server, _bob) = server_with_bob();
    let mut alice = Terminal::start(&server);
    alice.type_line("alice\nnot the password");
    let (status, stderr) = alice.exit();
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("wrong name or password (bad_credentials, 401)"),
        "{stderr}"
    );
}

// Under --guests the client enters with just a name, writes privately, creates a room and talks
// there; the end of its input closes it with status 0.
#[test]
fn a_guest_enters_by_name_and_writes_privately() {
    let (server, mut dave) = guests_with_dave();
    let mut carol = Terminal::start(&server);
    carol.type_line("carol");
    carol.expect("welcome, carol.");
    carol.type_line("/dm dave psst");
    let message = dave.recv_type("message");
    assert_eq!(
        (message["from"].as_str(), message["text"].as_str()),
        (Some("carol"), Some("psst"))
    );
    carol.expect("@dave carol: psst");
    dave.send_json(json!({"type": "dm", "to": "carol", "text": "hi carol", "id": "d1"}));
    carol.expect("@dave dave: hi carol");
    carol.type_line("/create math");
    carol.expect("#math carol joined");
    carol.type_line("in math now");
    carol.expect("#math carol: in math now");
    carol.end_input();
    carol.exits_with_0();
}

// The client answers the server's Pings through its one writer: idle for longer than
// --idle-timeout, it is still connected and chatting.
#[test]
fn answers_the_servers_pings() {
    let flags = ["--ping-interval", "1", "--idle-timeout", "2"];
    let server = Binary::guests(&flags, Stdio::null());
    let mut erin = Terminal::start(&server);
    erin.type_line("erin");
    erin.expect("welcome, erin.");
    // Silent past the idle timeout: only the Pongs keep the connection; without them the server
    // drops it at 2 s and the client exits.
    std::thread::sleep(Duration::from_millis(3500));
    assert!(
        erin.child.try_wait().expect("waitable").is_none(),
        "still running"
    );
    erin.type_line("still here");
    erin.expect("#general erin: still here");
    erin.type_line("/quit");
    erin.exits_with_0();
}

// A guest name already taken is refused as the protocol says (an error frame, then Close 1008):
// the client shows the error and exits 1 with the close reason.
#[test]
fn a_taken_guest_name_ends_with_the_refusal() {
    let (server, _dave) = guests_with_dave();
    let mut other = Terminal::start(&server);
    other.type_line("Dave");
    other.expect("(name_taken)");
    let (status, stderr) = other.exit();
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("closed by the server: 1008"), "{stderr}");
}

// A server stopping (SIGTERM) closes the connection with 1001: the client answers the Close,
// says why and exits 1, rather than hanging on its keyboard.
#[test]
fn a_server_stopping_ends_the_client() {
    let server = Binary::guests(&[], Stdio::null());
    let mut erin = Terminal::start(&server);
    erin.type_line("erin");
    erin.expect("welcome, erin.");
    let pid = server.child.id().to_string();
    let killed = Command::new("kill").args(["-TERM", &pid]).status();
    assert!(killed.expect("kill runs").success());
    let (status, stderr) = erin.exit();
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("closed by the server: 1001"), "{stderr}");
}
