//! History pages, and catching a reconnecting client up with no gap and no duplicate.
//!
//! Reads run on the `history` thread; the hub only checks who may see what, asks, and sends the
//! answer to the connection. A client that connects with `?since=SEQ` is *replaying* until it
//! has every message after SEQ that it may see; meanwhile live messages skip it (they reach it in
//! the replay instead), while other frames (presence, typing, membership) reach it as usual.
//!
//! A replay goes page by page, each at most `REPLAY_PAGE` messages and about the reply budget of
//! bytes (`Limits::reply_bytes`, an eighth of `--max-backlog`), and the next page is asked for only once the client's socket has
//! taken the last one: a replay of thousands never trips the slow-client eviction, and never
//! holds the hub for more than a page. When a page ends the replay at `upto` (the store's last
//! `seq` when it was read), either the hub has already delivered messages after `upto` (the page
//! was read from a snapshot older than them, and they skipped this client), and the page after
//! `upto` is asked for; or the client waits in `Tail` until the hub has delivered everything up
//! to `upto`, because messages up to there may still be on their way from the store to the hub;
//! those skip it too. Then it gets `caught_up` and is live.

use std::collections::HashMap;

use crate::end::End;
use crate::event::ConnId;
use crate::hub::chat::{Author, Chat, refuse_frame};
use crate::hub::clients::Slot;
use crate::hub::outbox::Outbox;
use crate::identity::name_key;
use crate::store::{Page, Query, private_conversation, room_conversation};
use crate::wire::{ErrorCode, ServerFrame, Target, WireError};
use crate::ws::frame;

/// Where a replaying client is.
#[derive(Debug, Clone, Copy)]
pub(super) enum Stage {
    /// The page after `after` has been asked for.
    Asked { after: u64 },
    /// A page went out (or could not be asked for); the next is asked for once the socket has
    /// taken it.
    Draining { after: u64 },
    /// Everything up to `upto` has been sent.
    Tail { upto: u64 },
}

/// The clients replaying, by slot. Only this file looks inside; the rest of the hub asks
/// [`Replays::skips_live`] and tells [`Replays::forget`].
#[derive(Debug, Default)]
pub(super) struct Replays {
    by_slot: HashMap<Slot, Replay>,
}

impl Replays {
    /// Whether live messages skip `slot`: it is replaying, and its replay brings them. (For a
    /// message that opens a private conversation, ask [`Chat::replay_brings`].)
    pub fn skips_live(&self, slot: Slot) -> bool {
        !self.by_slot.is_empty() && self.by_slot.contains_key(&slot)
    }

    /// A client has gone: its replay with it.
    pub fn forget(&mut self, slot: Slot) {
        self.by_slot.remove(&slot);
    }
}

/// A replaying client's progress.
#[derive(Debug, Clone, Copy)]
pub(super) struct Replay {
    stage: Stage,
    /// Some of what it missed had been removed by retention.
    truncated: bool,
    /// The user's rooms or private conversations changed after the page was asked for.
    stale: bool,
}

impl Chat {
    /// Starts replaying what a new connection missed since `since`.
    pub(super) fn start_replay(&mut self, out: &mut Outbox, slot: Slot, since: u64) {
        let replay = Replay {
            stage: Stage::Draining { after: since },
            truncated: false,
            stale: false,
        };
        self.replays.by_slot.insert(slot, replay);
        self.ask_next_page(out, slot, since);
    }

    /// Asks the `history` thread for the page after `after`; if its queue is full, the client
    /// stays draining and is asked for again after the next flush.
    fn ask_next_page(&mut self, out: &mut Outbox, slot: Slot, after: u64) {
        let Some(client) = out.client(slot) else {
            return;
        };
        let Some((key, _)) = client.user_key() else {
            return;
        };
        let query = Query::CatchUp {
            conn: client.conn,
            conversations: self.conversations_of(&key),
            me: key,
            after,
            max_bytes: self.limits.reply_bytes(),
        };
        if self.to_history.try_send(query).is_ok()
            && let Some(replay) = self.replays.by_slot.get_mut(&slot)
        {
            replay.stage = Stage::Asked { after };
        }
    }

    /// Every conversation a user may see: their rooms and their private conversations.
    fn conversations_of(&self, key: &str) -> Vec<String> {
        let Some(user) = self.dir.user(key) else {
            return Vec::new();
        };
        let rooms = user.rooms.iter().map(|room| room_conversation(room));
        let dms = user
            .dms
            .iter()
            .map(|other| private_conversation(key, other));
        rooms.chain(dms).collect()
    }

    /// A page from the `history` thread: sent to the client, then the next asked for, or the
    /// replay ends.
    pub(super) fn replay_page(&mut self, out: &mut Outbox, conn: ConnId, page: Page) {
        let Some(slot) = out.slot(conn) else {
            return;
        };
        let Some(replay) = self.replays.by_slot.get_mut(&slot) else {
            return;
        };
        let Stage::Asked { after } = replay.stage else {
            return;
        };
        if std::mem::take(&mut replay.stale) {
            // Read for the conversations the user had when it was asked: a message of one joined
            // since could be missing from it (and skipped live). The same page is asked again.
            replay.stage = Stage::Draining { after };
            return;
        }
        replay.truncated |= page.truncated;
        replay.stage = match (page.more, page.last) {
            (true, Some(last)) => Stage::Draining { after: last },
            (true, None) => Stage::Draining { after },
            (false, last) => match page.upto.max(last.unwrap_or(0)) {
                // The page was read from a snapshot older than messages the hub has delivered
                // since (skipping this client, as it was replaying): they follow in another page.
                upto if upto < self.delivered_seq => Stage::Draining { after: upto },
                upto => Stage::Tail { upto },
            },
        };
        if !page.frames.is_empty() {
            out.own(slot, |bytes| bytes.extend_from_slice(&page.frames));
        }
        self.end_replays_up_to(out, self.delivered_seq);
    }

    /// Whether `slot` is replaying and its replay will bring message `seq`, which live delivery
    /// then skips. A message that `opens` a private conversation is one the pages so far were
    /// read without: a page still to come brings it only if the replay has not passed it (the
    /// page being read is asked again, with the conversation); otherwise it goes live.
    pub(super) fn replay_brings(&mut self, slot: Slot, seq: u64, opens: bool) -> bool {
        let Some(replay) = self.replays.by_slot.get_mut(&slot) else {
            return false;
        };
        if !opens {
            return true;
        }
        match replay.stage {
            Stage::Asked { after } if after < seq => {
                replay.stale = true;
                true
            }
            Stage::Draining { after } => after < seq,
            Stage::Asked { .. } | Stage::Tail { .. } => false,
        }
    }

    /// The user's rooms changed: a page being read for one of their replaying connections was
    /// asked for the old ones, and will be asked for again. (Messages of a room joined now come
    /// after it, so pages asked from now on, or live delivery, bring them.)
    pub(super) fn conversations_changed(&mut self, user_key: &str) {
        let Some(user) = self.dir.user(user_key) else {
            return;
        };
        for slot in &user.conns {
            if let Some(replay) = self.replays.by_slot.get_mut(slot)
                && matches!(replay.stage, Stage::Asked { .. })
            {
                replay.stale = true;
            }
        }
    }

    /// Asks for the next page of every replay whose client's socket has taken the last one.
    pub(super) fn advance_replays(&mut self, out: &mut Outbox) {
        let ready: Vec<(Slot, u64)> = self
            .replays
            .by_slot
            .iter()
            .filter_map(|(&slot, replay)| match replay.stage {
                Stage::Draining { after } => Some((slot, after)),
                _ => None,
            })
            // Its last page is written and taken: not waiting in the batch, nor in a backlog.
            .filter(|&(slot, _)| out.taken(slot))
            .collect();
        for (slot, after) in ready {
            self.ask_next_page(out, slot, after);
        }
    }

    /// Whether some replay waits for its client's socket or for room in the history queue.
    pub(super) fn replays_waiting(&self) -> bool {
        self.replays
            .by_slot
            .values()
            .any(|r| matches!(r.stage, Stage::Draining { .. }))
    }

    /// Ends the replays that have everything up to `seq`: the hub has delivered every message up
    /// to there, so what follows is live. Each client gets `caught_up`.
    pub(super) fn end_replays_up_to(&mut self, out: &mut Outbox, seq: u64) {
        if self.replays.by_slot.is_empty() {
            return;
        }
        let done: Vec<(Slot, u64, bool)> = self
            .replays
            .by_slot
            .iter()
            .filter_map(|(&slot, replay)| match replay.stage {
                Stage::Tail { upto } if upto <= seq => Some((slot, upto, replay.truncated)),
                _ => None,
            })
            .collect();
        for (slot, upto, truncated) in done {
            self.replays.by_slot.remove(&slot);
            let json = ServerFrame::CaughtUp {
                seq: upto,
                truncated,
            }
            .to_json();
            out.own(slot, |bytes| frame::text(bytes, &json));
        }
    }

    /// `history`: a page of a conversation the author may see.
    pub(super) fn history(
        &mut self,
        from: &Author,
        target: &Target,
        before: Option<u64>,
        limit: usize,
    ) -> Result<(), WireError> {
        let query = match target {
            Target::Room(name) => {
                let key = self.existing_room(name)?;
                let room = self.dir.room(&key).expect("existing_room found it");
                if !room.members.contains_key(&from.key) {
                    let why = format!("join {:?} to read it", room.name);
                    return Err(WireError::new(ErrorCode::NotAMember, why));
                }
                Query::History {
                    conn: from.conn,
                    me: from.key.clone(),
                    conversation: room_conversation(&key),
                    room: Some(room.name.clone()),
                    with: None,
                    before,
                    limit,
                    max_bytes: self.limits.reply_bytes(),
                }
            }
            Target::User(name) => {
                let key = name_key(name);
                let Some(other) = self.dir.user(&key) else {
                    let why = format!("there is no user {name:?}");
                    return Err(WireError::new(ErrorCode::NoSuchUser, why));
                };
                Query::History {
                    conn: from.conn,
                    me: from.key.clone(),
                    conversation: private_conversation(&from.key, &key),
                    room: None,
                    with: Some(other.name.clone()),
                    before,
                    limit,
                    max_bytes: self.limits.reply_bytes(),
                }
            }
        };
        self.to_history.try_send(query).map_err(|_| {
            let why = "too many history requests at once; try again in a moment";
            WireError::new(ErrorCode::Unavailable, why)
        })
    }

    /// A history page from the `history` thread, for one connection.
    pub(super) fn history_page(&mut self, out: &mut Outbox, conn: ConnId, json: &str) {
        if let Some(slot) = out.slot(conn) {
            out.own(slot, |bytes| frame::text(bytes, json));
        }
    }

    /// The `history` thread failed a query. A history page's asker is told; a replaying
    /// connection is closed (error `unavailable`, Close 1011) rather than go live with a gap, and
    /// reconnects with the same `since`.
    pub(super) fn history_failed(&mut self, out: &mut Outbox, conn: ConnId) {
        let Some(slot) = out.slot(conn) else {
            return;
        };
        if self.replays.by_slot.contains_key(&slot) {
            return self.remove(out, conn, End::CatchUpFailed);
        }
        let why = "the server could not read its history; try again in a moment";
        refuse_frame(out, slot, &WireError::new(ErrorCode::Unavailable, why));
    }
}
