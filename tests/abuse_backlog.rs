//! A crowd of sockets that never read costs bounded memory: the backlogs of all clients together
//! stay under `--max-backlog-total` (the largest is evicted first), every eviction is in the log,
//! and a control pair keeps chatting throughout. The binary runs as a user runs it, so its RSS
//! can be read from /proc.

mod common;

use std::fs::File;
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use common::{Binary, Client, DEADLINE, TempDir, open_at, wait_up_to};
use socket2::{Domain, Socket, Type};
use tungstenite::WebSocket;

/// Sockets that never read, each its own guest.
const CROWD: usize = 200;
/// `--max-backlog-total` in this test: 4 MiB, where the crowd would hold 200 × 256 KiB = 50 MiB.
const TOTAL: usize = 4 << 20;
/// What the flood owes each member: 80 messages of 4,000 bytes, over the 256 KiB one client may
/// hold, so that every one of the crowd is evicted one way or the other.
const ROUNDS: usize = 8;
const PER_ROUND: usize = 10;
const TEXT: usize = 4000;
/// Peak RSS the flood may add: the total's worth of backlogs twice over (a vector's capacity runs
/// ahead of its length) and the allocator's slack. 10 MiB were measured; without the total, 62.
const MAX_GROWTH_KIB: u64 = 20 * 1024;

/// A guest that completes its handshake and then never reads, with a small receive buffer (set
/// before connecting, so that the TCP window stays small and the server's writes back up).
fn stuck_guest(addr: &str, name: &str) -> WebSocket<TcpStream> {
    let to: SocketAddr = addr.parse().unwrap();
    let socket = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    socket.connect_timeout(&to.into(), DEADLINE).unwrap();
    let stream: TcpStream = socket.into();
    stream.set_read_timeout(Some(DEADLINE)).unwrap();
    let (ws, _) = tungstenite::client(format!("ws://{addr}/?name={name}"), stream).unwrap();
    ws
}

fn join(server: &Binary, name: &str) -> Client {
    let mut client = open_at(&server.ws, &format!("/?name={name}"), &[]).unwrap();
    assert_eq!(client.recv_type("welcome")["you"], name);
    client
}

// 200 sockets that never read, and a flood in `general` that would leave each holding 256 KiB:
// the server's RSS grows by no more than the 4 MiB total allows (and some slack), every one of
// the crowd is evicted and each eviction is logged (before, three per address a minute were), and
// the control pair, which reads, is never evicted and keeps chatting.
#[test]
fn a_crowd_that_never_reads_costs_bounded_memory() {
    let logs = TempDir::new();
    let log_path = logs.path().join("stderr");
    let total = TOTAL.to_string();
    let flags = [
        "--max-backlog-total",
        &total,
        "--send-rate",
        "1000",
        "--send-burst",
        "1000",
    ];
    let server = Binary::guests(&flags, File::create(&log_path).unwrap());
    let mut alice = join(&server, "alice");
    let mut bob = join(&server, "bob");
    let crowd: Vec<_> = (0..CROWD)
        .map(|i| stuck_guest(&server.ws, &format!("crowd{i}")))
        .collect();
    // The crowd's arrivals reach the pair as presence: a round trip says they are all in.
    alice.say("ready?", "r0");
    assert_eq!(bob.recv_type("message")["text"], "ready?");
    assert_eq!(alice.recv_type("message")["id"], "r0");
    let peak_before = server.status("VmHWM");
    let text = "x".repeat(TEXT);
    // Bounded: 80 messages, read by both as they go.
    for round in 0..ROUNDS {
        for i in 0..PER_ROUND {
            alice.say(&text, &format!("m{round}-{i}"));
        }
        for _ in 0..PER_ROUND {
            assert_eq!(
                alice.recv_type("message")["text"].as_str().map(str::len),
                Some(TEXT)
            );
            assert_eq!(
                bob.recv_type("message")["text"].as_str().map(str::len),
                Some(TEXT)
            );
        }
    }
    let evictions = || {
        let log = std::fs::read_to_string(&log_path).unwrap();
        log.lines()
            .filter(|l| l.contains("crowd") && l.contains("(evicted"))
            .count()
    };
    wait_up_to(
        Duration::from_secs(10),
        "every one of the crowd evicted and logged",
        || evictions() >= CROWD,
    );
    // The peak, not the RSS now: the backlogs of evicted clients have been given back.
    let growth = server.status("VmHWM").saturating_sub(peak_before);
    assert!(growth < MAX_GROWTH_KIB, "RSS grew by {growth} KiB");
    let log = std::fs::read_to_string(&log_path).unwrap();
    assert!(
        log.contains("--max-backlog-total"),
        "the total evicted some:\n{log}"
    );
    assert!(!log.contains("alice left") && !log.contains("bob left"));
    bob.say("still here", "b1");
    assert_eq!(alice.recv_type("message")["text"], "still here");
    drop(crowd);
}
