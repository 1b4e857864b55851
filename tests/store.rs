//! The store on disk: a crash loses no confirmed account, and a data directory that cannot be used,
//! or a store file damaged in any way, stops the server with a clear message instead of being
//! replaced by an empty one or read wrong.

mod common;

use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;

use common::{Binary, TempDir, login, open, start, start_accounts, try_api, unpaced, wait_until};
use serde_json::json;
use threadchat::Server;
use threadchat::config::Config;

const PASSWORD: &str = "correct horse";

// `kill -9` in the middle of a burst of registrations from several clients: after a restart on
// the same data directory, every account whose 201 was received signs in.
#[test]
fn a_crash_loses_no_confirmed_registration() {
    let flags = ["--auth-rate", "100000", "--hashers", "2"];
    let server = Binary::accounts(TempDir::new(), &flags, Stdio::null());
    let addr: SocketAddr = server.http.parse().unwrap();
    let confirmed = Arc::new(Mutex::new(Vec::new()));
    let clients: Vec<_> = (0..4)
        .map(|client| {
            let confirmed = Arc::clone(&confirmed);
            thread::spawn(move || {
                // Bounded: at most 300 each, and it stops at the first request the crash cuts.
                for i in 0..300 {
                    let name = format!("c{client}n{i}");
                    let body = json!({"name": name, "password": PASSWORD});
                    match try_api(addr, "POST", "/api/register", Some(&body), &[]) {
                        Some(reply) if reply.status == 201 => confirmed.lock().unwrap().push(name),
                        Some(reply) => panic!("{name}: {reply:?}"),
                        None => return,
                    }
                }
            })
        })
        .collect();
    wait_until("some registrations are confirmed", || {
        confirmed.lock().unwrap().len() >= 40
    });
    let data = server.crash();
    for client in clients {
        client.join().expect("a client thread");
    }
    let confirmed = confirmed.lock().unwrap().clone();
    let server = common::start_in(data, |c| c.accounts.auth_rate = 100_000);
    for name in &confirmed {
        login(&server, name, PASSWORD);
    }
    assert!(confirmed.len() >= 40);
}

fn config_for(data: &std::path::Path) -> Config {
    Config {
        http_addr: "127.0.0.1:0".parse().unwrap(),
        ws_addr: "127.0.0.1:0".parse().unwrap(),
        www: concat!(env!("CARGO_MANIFEST_DIR"), "/www").into(),
        data: data.to_owned(),
        ..Config::default()
    }
}

// A data directory that is a file cannot be created: start-up fails and says so.
#[test]
fn an_unusable_data_directory_stops_start_up() {
    let dir = TempDir::new();
    let file = dir.path().join("not-a-directory");
    std::fs::write(&file, "x").unwrap();
    let error = Server::start(config_for(&file))
        .err()
        .expect("start-up fails");
    assert!(
        error
            .to_string()
            .contains("cannot create the data directory"),
        "{error}"
    );
}

// A damaged store file is reported, and left as it was: never replaced by an empty store.
#[test]
fn a_damaged_store_is_reported_and_kept() {
    let server = start_accounts(|_| {});
    common::register(&server, "alice", PASSWORD);
    let dir = server.stop();
    let path = dir.path().join("threadchat.redb");
    let mut bytes = std::fs::read(&path).unwrap();
    // Overwrite the header: the file is no longer a redb database.
    bytes[..512].fill(0xAB);
    std::fs::write(&path, &bytes).unwrap();
    let error = Server::start(config_for(dir.path()))
        .err()
        .expect("start-up fails");
    assert!(error.to_string().contains("store"), "{error}");
    assert_eq!(
        std::fs::read(&path).unwrap(),
        bytes,
        "the file is untouched"
    );
    let binary = Command::new(env!("CARGO_BIN_EXE_threadchat"))
        .args(["--http", "127.0.0.1:0", "--ws", "127.0.0.1:0", "--data"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(!binary.status.success());
    let stderr = String::from_utf8_lossy(&binary.stderr);
    assert!(
        stderr.contains("threadchat.redb") || stderr.contains("store"),
        "{stderr}"
    );
}

// A store file cut short (to half, or to nothing) or with damaged pages in the middle is found at
// start-up: the server refuses to start, says so, and leaves the file as it was.
#[test]
fn a_cut_short_or_corrupted_store_is_reported_and_kept() {
    let server = start(unpaced);
    let mut client = open(&server, "/?name=alice", &[]).unwrap();
    assert_eq!(client.recv()["type"], "welcome");
    for i in 0..300 {
        client.say(
            &format!("message {i} {}", "x".repeat(200)),
            &format!("c{i}"),
        );
    }
    for _ in 0..300 {
        client.recv_type("message");
    }
    drop(client);
    let dir = server.stop();
    let path = dir.path().join("threadchat.redb");
    let good = std::fs::read(&path).unwrap();
    let half = good.len() / 2;
    // Some bytes of every page but the header: wherever the data lies, it is hit.
    let mut flipped = good.clone();
    for page in flipped[4096..].chunks_mut(4096) {
        page.iter_mut().take(64).for_each(|b| *b ^= 0x5A);
    }
    let damages = [
        ("cut to half", good[..half].to_vec()),
        ("cut to nothing", Vec::new()),
        ("pages overwritten", flipped),
    ];
    for (damage, bytes) in damages {
        std::fs::write(&path, &bytes).unwrap();
        // Twice: a refused start must not leave the file in a state the next one accepts.
        for attempt in 1..=2 {
            let mut config = config_for(dir.path());
            config.accounts.guests = true;
            let error = Server::start(config)
                .err()
                .unwrap_or_else(|| panic!("{damage}: start-up {attempt} fails"));
            assert!(error.to_string().contains("damaged"), "{damage}: {error}");
        }
        let after = std::fs::read(&path).unwrap();
        assert_eq!(
            after.len(),
            bytes.len(),
            "{damage}: the file keeps its length"
        );
        // redb notes in its header that the file was opened; nothing past the header changes.
        let header = 512.min(bytes.len());
        assert!(
            after[header..] == bytes[header..],
            "{damage}: the data is untouched"
        );
    }
}
