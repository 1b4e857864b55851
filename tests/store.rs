//! The store on disk: a crash loses no confirmed account, and a data directory that cannot be used
//! stops the server with a clear message instead of being replaced by an empty one.

mod common;

use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;

use common::{Binary, TempDir, login, start_accounts, try_api, wait_until};
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
