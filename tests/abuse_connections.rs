//! One account, or one address, cannot take every connection place: past its share a WebSocket
//! handshake is refused with 429 before the upgrade, the places come back when its connections
//! end, and everyone else keeps connecting and chatting.

mod common;

use std::net::TcpStream;
use std::process::Stdio;
use std::thread;

use common::{Binary, Client, TempDir, bearer, open_at, wait_until};
use tungstenite::WebSocket;

/// Sockets one account opens: 500, as in the report (issue 14, attack 3).
const FLOOD: usize = 500;

/// The share of one account in these tests (and the default).
const PER_USER: usize = 8;

/// A handshake at `path` with `headers`: the open socket (never read by the caller), or the HTTP
/// status it was refused with.
fn handshake(
    server: &Binary,
    path: &str,
    headers: &[(&str, &str)],
) -> Result<WebSocket<TcpStream>, u16> {
    match open_at(&server.ws, path, headers) {
        Ok(client) => Ok(client.ws),
        Err(tungstenite::Error::Http(response)) => Err(response.status().as_u16()),
        Err(e) => panic!("the handshake failed otherwise: {e}"),
    }
}

/// `from` says something in general and `to` hears it.
fn chat(from: &mut Client, to: &mut Client, text: &str) {
    from.say(text, text);
    to.hears(text);
}

// One account opens 500 sockets that never read, from four threads at once: exactly its 8 are
// accepted and the rest are refused 429, however the handshakes race. The next users still
// connect and chat, the server's memory stays put, and the places come back when the 8 close.
// (Before, all 500 were accepted, and the 10,000 places of the server were one script away.)
#[test]
fn one_account_gets_its_share_of_connections_and_no_more() {
    let extra = ["--max-connections-per-address", "1000"];
    let server = Binary::accounts(TempDir::new(), &extra, Stdio::null());
    let mallory = server.register("mallory");
    let (alice, bob) = (server.register("alice"), server.register("bob"));
    let rss_before = server.status("VmRSS");
    let (name, value) = bearer(&mallory);
    let outcomes: Vec<Result<WebSocket<TcpStream>, u16>> = thread::scope(|scope| {
        let floods: Vec<_> = (0..4)
            .map(|_| {
                scope.spawn(|| {
                    (0..FLOOD / 4)
                        .map(|_| handshake(&server, "/", &[(name, &value)]))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        floods.into_iter().flat_map(|f| f.join().unwrap()).collect()
    });
    let (held, refused): (Vec<_>, Vec<_>) = outcomes.into_iter().partition(Result::is_ok);
    assert_eq!(held.len(), PER_USER, "accepted of mallory's {FLOOD}");
    assert!(
        refused.iter().all(|r| r.as_ref().err() == Some(&429)),
        "refused with 429"
    );
    let (mut alice, mut bob) = (server.join(&alice), server.join(&bob));
    chat(&mut alice, &mut bob, "still here");
    chat(&mut bob, &mut alice, "and me");
    let grown = server.status("VmRSS").saturating_sub(rss_before);
    assert!(grown < 16 * 1024, "RSS grew by {grown} KiB");
    drop(held);
    wait_until("mallory's places come back", || {
        handshake(&server, "/", &[(name, &value)]).is_ok()
    });
}

// Everyone behind one address (here all of loopback) shares its places: past them a handshake is
// refused 429, those already in keep chatting, and a place freed is taken by the next comer.
#[test]
fn one_address_gets_its_share_of_connections_and_no_more() {
    let server = Binary::guests(&["--max-connections-per-address", "20"], Stdio::null());
    let guest = |name: &str| handshake(&server, &format!("/?name={name}"), &[]);
    let mut alice = Client {
        ws: guest("alice").unwrap(),
    };
    let mut bob = Client {
        ws: guest("bob").unwrap(),
    };
    assert_eq!(alice.recv()["type"], "welcome");
    assert_eq!(bob.recv()["type"], "welcome");
    let flood: Vec<_> = (0..100).map(|i| guest(&format!("g{i}"))).collect();
    let held = flood.iter().filter(|r| r.is_ok()).count();
    assert_eq!(held, 18, "the address's 20, less alice's and bob's");
    let statuses = flood.iter().filter_map(|r| r.as_ref().err());
    assert!(statuses.into_iter().all(|status| *status == 429));
    chat(&mut alice, &mut bob, "still here");
    assert_eq!(guest("late").err(), Some(429));
    drop(flood);
    wait_until("a freed place is taken", || guest("late").is_ok());
}
