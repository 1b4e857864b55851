//! Edit and delete on disk: a deletion leaves no version of its text in the store's file,
//! retention takes changes with their messages, and `kill -9` amid a burst of edits applies none
//! twice after a restart.

mod common;

use std::process::Stdio;

use common::{
    Binary, Client, TempDir, TestServer, answer, delete, edit, open, open_at, post_to, register,
    replayed, start_accounts, unpaced,
};
use serde_json::json;

const PASSWORD: &str = "correct horse";

/// `name`'s account and a connection, after its welcome.
fn person(server: &TestServer, name: &str) -> (String, Client) {
    let token = register(server, name, PASSWORD);
    let (client, _) = Client::join_as(server, &token);
    (token, client)
}

/// The newest page of `room`'s history.
fn history(client: &mut Client, room: &str) -> Vec<serde_json::Value> {
    let page = client.ask(json!({"type": "history", "room": room}), "history");
    page["messages"].as_array().expect("messages").clone()
}

// Once the deletion is acknowledged, no version of the text is anywhere in the store's file.
#[test]
fn a_deleted_message_leaves_no_version_of_its_text_on_disk() {
    let server = start_accounts(unpaced);
    let (_, mut alice) = person(&server, "alice");
    for i in 0..50 {
        post_to(
            &mut alice,
            "general",
            &format!("filler message {i}"),
            &format!("f{i}"),
        );
    }
    let versions = [
        "zebra-quartz-0001",
        "zebra-quartz-0002",
        "zebra-quartz-0003",
    ];
    let seq = post_to(&mut alice, "general", versions[0], "m1");
    edit(&mut alice, seq, versions[1], "e1");
    edit(&mut alice, seq, versions[2], "e2");
    post_to(&mut alice, "general", "a later message", "m2");
    // Enough after it that its pages sit in the middle of the file, not at its end.
    for i in 0..300 {
        let text = format!("later filler {i} {}", "x".repeat(i % 200));
        post_to(&mut alice, "general", &text, &format!("l{i}"));
    }
    let file = server.data.path().join("threadchat.redb");
    let bytes = std::fs::read(&file).expect("the store file");
    assert!(contains(&bytes, versions[2]), "the current text is stored");
    assert_eq!(delete(&mut alice, seq, "d1")["type"], "deleted");
    let bytes = std::fs::read(&file).expect("the store file");
    for version in versions {
        assert!(!contains(&bytes, version), "{version} is still in the file");
    }
    assert!(contains(&bytes, "a later message"), "the rest is kept");
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

// `--history-messages` counts messages, not changes; retention takes a message's changes with it.
#[test]
fn retention_takes_changes_with_their_messages() {
    let server = start_accounts(|config| {
        unpaced(config);
        config.history.max_messages = Some(3);
    });
    let (_, mut alice) = person(&server, "alice");
    let oldest = post_to(&mut alice, "general", "one", "m1");
    let second = post_to(&mut alice, "general", "two", "m2");
    for i in 0..4 {
        edit(
            &mut alice,
            second,
            &format!("two, take {i}"),
            &format!("e{i}"),
        );
    }
    edit(&mut alice, oldest, "one, edited", "e9");
    post_to(&mut alice, "general", "three", "m3");
    // Three messages and five changes: nothing goes, the changes do not count.
    let page = history(&mut alice, "general");
    assert_eq!(page.len(), 3, "{page:?}");
    post_to(&mut alice, "general", "four", "m4");
    common::wait_until("the oldest message to go", || {
        history(&mut alice, "general").len() == 3
    });
    let page = history(&mut alice, "general");
    assert!(page.iter().all(|m| m["seq"] != oldest));
    // Its edit went with it: a catch-up from before it brings no change to it.
    let token = register(&server, "bob", PASSWORD);
    let mut bob = open(
        &server,
        "/?since=1",
        &[("Authorization", &format!("Bearer {token}"))],
    )
    .expect("handshake");
    let targets: Vec<_> = replayed(&mut bob)
        .into_iter()
        .filter(|f| f["type"] != "message")
        .map(|f| f["target"].clone())
        .collect();
    assert_eq!(targets, vec![json!(second); 4]);
}

// SIGKILL in the middle of a burst of edits, some committed and not yet acknowledged: after the
// restart, retrying every edit with its id (and another text) applies each exactly once.
#[test]
fn a_crash_between_commit_and_acknowledgement_applies_no_edit_twice() {
    const EDITS: usize = 40;
    let flags = ["--send-rate", "100000", "--send-burst", "100000"];
    let server = Binary::accounts(TempDir::new(), &flags, Stdio::null());
    let token = server.register("alice");
    let mut alice = server.join(&token);
    let targets: Vec<u64> = (0..EDITS)
        .map(|i| {
            alice.post(&format!("draft {i}"), &format!("m{i}"))["seq"]
                .as_u64()
                .expect("a seq")
        })
        .collect();
    for (i, seq) in targets.iter().enumerate() {
        alice.send_json(
            json!({"type": "edit", "seq": seq, "text": format!("edit {i}"), "id": format!("e{i}")}),
        );
    }
    let data = server.crash(); // the edits are on their way: some stored, none read back
    let server = Binary::accounts(data, &flags, Stdio::null());
    let mut alice = server.join(&token);
    for (i, seq) in targets.iter().enumerate() {
        let edit = json!({"type": "edit", "seq": seq, "text": format!("retry {i}"), "id": format!("e{i}")});
        let answered = answer(&mut alice, edit);
        assert_eq!(
            (&answered["type"], &answered["target"]),
            (&json!("edited"), &json!(seq)),
            "{answered}"
        );
    }
    let since = *targets.last().expect("messages");
    let mut late = open_at(
        &server.ws,
        &format!("/?since={since}"),
        &[("Authorization", &format!("Bearer {token}"))],
    )
    .expect("handshake");
    assert_eq!(late.recv()["type"], "welcome");
    let mut ids: Vec<String> = replayed(&mut late)
        .iter()
        .filter(|f| f["type"] == "edited")
        .map(|f| f["id"].as_str().expect("its id").to_owned())
        .collect();
    ids.sort();
    let mut expected: Vec<String> = (0..EDITS).map(|i| format!("e{i}")).collect();
    expected.sort();
    assert_eq!(ids, expected, "every edit stored once");
}
