//! Presence without flapping (issue 14, attack 9): a user who reconnects within the grace
//! (`--presence-grace`) makes no `presence` frames at all, however often; a real departure is
//! announced once the grace has passed, by the hub's own timer.

mod common;

use std::time::{Duration, Instant};

use common::{Client, count_about, register, start_accounts, still_chatting};
use serde_json::json;
use tungstenite::Message;

const PASSWORD: &str = "correct horse";
const GRACE: Duration = Duration::from_secs(3);
const RECONNECTS: usize = 50;

/// Closes a connection and waits for the server's Close in answer, which the hub sends once it
/// has removed the connection: the user has really gone offline then.
fn close(mut client: Client) {
    client.ws.close(None).expect("close");
    while let Ok(message) = client.ws.read() {
        if matches!(message, Message::Close(_)) {
            break;
        }
    }
}

// Reconnecting 50 times in quick succession produces no presence frame at a watcher; the control
// pair chats meanwhile; and leaving for good is announced offline after the grace, not before.
#[test]
fn quick_reconnects_make_no_presence_and_a_departure_comes_after_the_grace() {
    let server = start_accounts(|c| c.limits.presence_grace = GRACE);
    let tokens: Vec<String> = ["watcher", "flicker", "bob"]
        .iter()
        .map(|name| register(&server, name, PASSWORD))
        .collect();
    let (mut watcher, _) = Client::join_as(&server, &tokens[0]);
    let (mut bob, _) = Client::join_as(&server, &tokens[2]);
    let (mut flicker, _) = Client::join_as(&server, &tokens[1]);
    assert_eq!(watcher.recv_presence(true)["user"], "bob");
    assert_eq!(watcher.recv_presence(true)["user"], "flicker");
    let began = Instant::now();
    for _ in 0..RECONNECTS {
        close(flicker);
        let welcome;
        (flicker, welcome) = Client::join_as(&server, &tokens[1]);
        assert_eq!(welcome["you"], "flicker");
    }
    let frames = watcher.frames_so_far();
    assert_eq!(
        count_about(&frames, "presence", "flicker"),
        0,
        "{RECONNECTS} reconnects in {:?}",
        began.elapsed()
    );
    still_chatting(&mut bob, &mut watcher, "nobody flickered");
    // Still online in the room's member list, which welcomes no longer carry.
    let (mut asker, _) = Client::join_as(&server, &tokens[2]);
    let page = asker.ask(json!({"type": "members", "room": "general"}), "members");
    let members = page["members"].as_array().expect("members");
    assert!(
        members.contains(&json!({"user": "flicker", "online": true})),
        "online in the member list too: {page}"
    );
    close(flicker);
    let gone = Instant::now();
    assert_eq!(watcher.recv_presence(false)["user"], "flicker");
    let after = gone.elapsed();
    assert!(
        after >= GRACE - Duration::from_millis(300),
        "announced after {after:?}"
    );
}
