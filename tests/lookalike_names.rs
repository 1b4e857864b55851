//! Names that look like an account's name are refused `name_taken`: case folded, `I`/`l`/`1`
//! one letter and `O`/`0` another. Before, `aIice` registered beside `alice`, and a reader could
//! not tell them apart.

mod common;

use common::{
    Client, TestServer, api, login, open, register, start_accounts, start_in, try_register,
};
use serde_json::json;

const PASSWORD: &str = "correct horse";

fn refusal(server: &TestServer, name: &str) -> (u16, String) {
    let reply = try_register(server, name, PASSWORD);
    (reply.status, reply.error().to_owned())
}

// Look-alikes of alice and bob are refused; a name that only resembles one registers; sign-in
// still goes by the exact name, ignoring case.
#[test]
fn look_alike_names_are_taken() {
    let server = start_accounts(|_| {});
    register(&server, "alice", PASSWORD);
    register(&server, "bob", PASSWORD);
    for name in ["aIice", "AL1CE", "a1ice", "b0b", "B0B", "BOB"] {
        assert_eq!(refusal(&server, name), (409, "name_taken".into()), "{name}");
    }
    assert_eq!(refusal(&server, "alicia").0, 201);
    login(&server, "ALICE", PASSWORD);
    let body = json!({"name": "aIice", "password": PASSWORD});
    let reply = api(server.http_addr(), "POST", "/api/login", Some(&body), &[]);
    assert_eq!(reply.status, 401, "aIice is not alice's name");
}

// A store written before skeletons were kept gets them at start-up from its users.
#[test]
fn accounts_from_before_are_indexed_at_start_up() {
    let server = start_accounts(|_| {});
    register(&server, "alice", PASSWORD);
    let data = server.stop();
    let file = data.path().join("threadchat.redb");
    let db = redb::Database::open(&file).expect("the store opens");
    let txn = db.begin_write().unwrap();
    let skeletons: redb::TableDefinition<&str, &str> = redb::TableDefinition::new("name_skeletons");
    assert!(txn.delete_table(skeletons).unwrap(), "the table existed");
    txn.commit().unwrap();
    drop(db);
    let server = start_in(data, |_| {});
    assert_eq!(refusal(&server, "aIice"), (409, "name_taken".into()));
}

// Under --guests, a guest cannot take a name that looks like an account's.
#[test]
fn guests_cannot_take_a_look_alike_of_an_account() {
    let server = start_accounts(|_| {});
    register(&server, "alice", PASSWORD);
    let server = start_in(server.stop(), |c| c.accounts.guests = true);
    let mut client = open(&server, "/?name=aIice", &[]).expect("the upgrade itself succeeds");
    let error = client.recv();
    assert_eq!(
        (error["type"].as_str(), error["code"].as_str()),
        (Some("error"), Some("name_taken"))
    );
    let (_, welcome) = Client::join(&server, "carol");
    assert_eq!(welcome["you"], "carol");
}
