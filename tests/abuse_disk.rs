//! A disk that fills up costs the chat only while it is full: short of `--min-free-space`, new
//! messages are refused `unavailable` (said once in the log) while sign-ins go on; if the disk
//! fills all the same, the store closes on the I/O error and opens again by itself once there is
//! room, without a restart. Run on a tmpfs of a few MiB (skipped, saying so, where not root).

mod common;

use std::process::Stdio;
use std::time::Duration;

use common::{Binary, Client, Stderr, Tmpfs, wait_until, wait_up_to};

/// The test's filesystem: small enough to fill in a moment.
const DISK_MIB: u64 = 16;

/// How long a closed store may take to open again once there is room: it tries every second.
const REOPEN: Duration = Duration::from_secs(10);

const MIB: u64 = 1024 * 1024;

/// The binary with accounts on a tmpfs of its own, messages unpaced, `extra` flags, and Alice
/// and Bob signed up and in the chat (the control pair), having chatted once.
struct Scene {
    // Declared before the disk, so that the server ends before the disk is unmounted.
    server: Binary,
    disk: Tmpfs,
    log: Stderr,
    alice: Client,
    bob: Client,
}

impl Scene {
    /// `None` where a tmpfs cannot be mounted (not root): the test is skipped, saying so.
    fn start(extra: &[&str]) -> Option<Scene> {
        let (disk, data) = Tmpfs::mount(DISK_MIB)?;
        let unpaced = ["--send-rate", "100000", "--send-burst", "100000"];
        let flags = [&unpaced[..], extra].concat();
        let mut server = Binary::accounts(data, &flags, Stdio::piped());
        let log = Stderr::collect(server.child.stderr.take().unwrap());
        let alice = server.join(&server.register("alice"));
        let bob = server.join(&server.register("bob"));
        let mut scene = Scene {
            server,
            disk,
            log,
            alice,
            bob,
        };
        scene.chat("before");
        Some(scene)
    }

    /// Alice's `text` is stored and Bob hears it; then Bob's answer reaches Alice.
    fn chat(&mut self, text: &str) {
        stored(&mut self.alice, &mut self.bob, text);
        stored(&mut self.bob, &mut self.alice, &format!("re: {text}"));
    }
}

/// `from`'s `text` is stored and `to` hears it.
fn stored(from: &mut Client, to: &mut Client, text: &str) {
    let outcome = from.post(text, text);
    assert_eq!(outcome["type"], "message", "{text}: {outcome}");
    to.hears(text);
}

// Under --min-free-space, a message is refused `unavailable` and not delivered, the reason is
// logged once however many are refused, sign-ins still work, and once the space is back messages
// are stored again (also logged once). Before, messages were taken until the disk was full.
#[test]
fn short_of_space_messages_are_refused_and_then_stored_again() {
    let Some(mut scene) = Scene::start(&["--min-free-space", "4"]) else {
        return;
    };
    scene.disk.fill(2 * MIB);
    // Sign-ins between the refusals use a little of what is left: still one line in the log.
    for i in 0..5 {
        let outcome = scene.alice.post("lost", &format!("low{i}"));
        assert_eq!(outcome["code"], "unavailable", "{outcome}");
        assert_eq!(scene.server.login("bob").status, 200, "sign-in goes on");
    }
    let log = scene.log.clone();
    wait_until("the guard is logged", || {
        log.count("new messages are refused") > 0
    });
    assert_eq!(log.count("new messages are refused"), 1, "{}", log.text());
    scene.disk.empty();
    scene.chat("after");
    wait_until("the end is logged", || log.count("room again") == 1);
}

// The disk fills up all the same (no guard): the commit fails with ENOSPC (tmpfs grows a file as
// it is written, as a disk does) and redb refuses every later transaction, so the store closes,
// says so once, and refuses messages and sign-ins. Once the filler is removed it opens again by
// itself: messages are stored and sign-ins work, no restart. Before, everything failed until a
// restart nobody was told about.
#[test]
fn after_a_full_disk_the_store_opens_again_by_itself() {
    let Some(mut scene) = Scene::start(&["--min-free-space", "0"]) else {
        return;
    };
    scene.disk.fill(0);
    // The file may have room left inside it: messages until one is refused, at most a disk's
    // worth (4 KiB each).
    let text = "x".repeat(4000);
    let alice = &mut scene.alice;
    let refused =
        (0..DISK_MIB * 256).find(|i| alice.post(&text, &format!("f{i}"))["type"] == "error");
    assert!(refused.is_some(), "no message was refused on a full disk");
    let log = scene.log.clone();
    wait_until("the disk error is logged", || {
        log.count("a disk error") == 1
    });
    assert_eq!(alice.post("lost", "closed")["code"], "unavailable");
    assert_eq!(scene.server.login("bob").status, 503, "the store is closed");
    scene.disk.empty();
    wait_up_to(REOPEN, "the store opens again", || {
        log.count("store: opened again in") == 1
    });
    scene.chat("after");
    assert_eq!(scene.server.login("bob").status, 200, "sign-in works again");
    assert_eq!(log.count("a disk error"), 1, "{}", log.text());
}
