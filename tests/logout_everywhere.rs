//! `POST /api/logout` with `{"everywhere":true}`: every session of the account ends, on every
//! device, and each of their connections is closed; other accounts chat on.

mod common;

use common::{Client, TestServer, login, me, register, sign_out_with, start_accounts};
use serde_json::json;

const PASSWORD: &str = "correct horse";

fn signed_in(server: &TestServer, token: &str) -> bool {
    me(server, token).status == 200
}

/// Waits for an `error` frame `unauthenticated`, then Close 1008 "signed out".
fn closed_signed_out(client: &mut Client) {
    assert_eq!(client.recv_type("error")["code"], "unauthenticated");
    let close = client.closed().expect("a Close frame");
    assert_eq!(u16::from(close.code), 1008);
    assert!(close.reason.contains("signed out"), "{:?}", close.reason);
}

// Signing out everywhere from the laptop ends the phone's session too, and closes both devices'
// connections. Before, `everywhere` was ignored and the phone stayed signed in.
#[test]
fn signing_out_everywhere_ends_every_session() {
    let server = start_accounts(|_| {});
    let laptop = register(&server, "alice", PASSWORD);
    let phone = login(&server, "alice", PASSWORD);
    let bob = register(&server, "bob", PASSWORD);
    let (mut laptop_tab, _) = Client::join_as(&server, &laptop);
    let (mut phone_tab, _) = Client::join_as(&server, &phone);
    let (mut bob_tab, _) = Client::join_as(&server, &bob);
    assert_eq!(
        sign_out_with(&server, &laptop, json!({"everywhere": true})),
        204
    );
    closed_signed_out(&mut laptop_tab);
    closed_signed_out(&mut phone_tab);
    assert!(!signed_in(&server, &laptop) && !signed_in(&server, &phone));
    assert!(
        signed_in(&server, &bob),
        "another account keeps its session"
    );
    bob_tab.say("still here", "b1");
    assert_eq!(bob_tab.recv_type("message")["id"], "b1");
}

// Without `everywhere` (or with false), only the session that asks ends; a non-boolean is 400.
#[test]
fn signing_out_here_ends_only_this_session() {
    let server = start_accounts(|_| {});
    let laptop = register(&server, "alice", PASSWORD);
    let phone = login(&server, "alice", PASSWORD);
    assert_eq!(
        sign_out_with(&server, &laptop, json!({"everywhere": "yes"})),
        400
    );
    assert_eq!(
        sign_out_with(&server, &laptop, json!({"everywhere": false})),
        204
    );
    assert!(!signed_in(&server, &laptop));
    assert!(signed_in(&server, &phone));
}
