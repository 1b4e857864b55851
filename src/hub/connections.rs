//! Connections coming and going: the welcome, presence, refusals, and sessions that end.
//!
//! A user may have several connections (tabs, devices). Presence is about users, not
//! connections: `presence online` goes out with a user's first connection and `presence offline`
//! after their last (once a grace has passed without their return: `presence.rs`), to their
//! contacts: everyone who shares a room or a private conversation with them. The two sides of a
//! new private conversation are told each other's presence then.

use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::Instant;

use crate::auth::token::SessionId;
use crate::end::{End, SignOut};
use crate::event::{Arrival, ConnId};
use crate::hub::chat::Chat;
use crate::hub::client::{Client, Purpose};
use crate::hub::clients::Slot;
use crate::hub::directory::{Directory, User};
use crate::hub::outbox::Outbox;
use crate::hub::pace::Pace;
use crate::identity::name_key;
use crate::log::now_ms;
use crate::store::{private_conversation, room_conversation};
use crate::wire::{DisplayInfo, ErrorCode, ReadInfo, ServerFrame, StaffInfo, WireError, fit};
use crate::ws::frame;
use crate::{log, log_limited};

/// What a welcome holds besides its lists (its `type`, `you`, the lists' names and brackets), at
/// most: kept out of the lists' budget.
const WELCOME_FIXED_BYTES: usize = 128;

/// What one entry of the welcome's `read` costs besides its name, at most:
/// `{"with":"","seq":18446744073709551615,"unread":100,"newest":18446744073709551615},`.
const READ_INFO_BYTES: usize = 82;

impl Chat {
    /// A handshake finished: welcome the user, or refuse the connection.
    pub(super) fn arrive(
        &mut self,
        out: &mut Outbox,
        conn: ConnId,
        peer: SocketAddr,
        socket: Arc<TcpStream>,
        arrival: Arrival,
    ) {
        let (purpose, key, since) = match arrival {
            Arrival::Refused(error) => return refuse(out, conn, socket, peer, error),
            Arrival::Echo => {
                log!("echo connection from {peer}");
                out.admit(conn, Client::new(conn, socket, peer, Purpose::Echo));
                return;
            }
            Arrival::Guest { name, since } => {
                let key = name_key(&name);
                // Guests hold their name only while connected: one guest name, one connection.
                if self.dir.is_online(&key) {
                    let why = format!("the name {name:?} is already in use");
                    let error = WireError::new(ErrorCode::NameTaken, why);
                    return refuse(out, conn, socket, peer, error);
                }
                // New to the hub, a guest starts in `general`, as an account does at
                // registration; a returning guest name takes its new holder's spelling.
                if self.dir.add_user(&name, Pace::default()) {
                    self.dir.add_member(&Directory::general_key(), &key);
                } else {
                    self.dir.respell(&key, &name);
                }
                let purpose = Purpose::Guest {
                    name,
                    key: key.clone(),
                };
                (purpose, key, since)
            }
            Arrival::Account {
                name,
                session,
                since,
            } => {
                // Known from the store (or registered a moment ago: `Event::UserAdded` may
                // still be on its way).
                self.dir.add_user(&name, Pace::default());
                let key = name_key(&name);
                // A session the store has not ended yet, of an account suspended a moment ago.
                if self.dir.user(&key).is_some_and(|u| u.standing.suspended) {
                    let why = SignOut::Suspended.reason();
                    let error = WireError::new(ErrorCode::Suspended, why);
                    return refuse(out, conn, socket, peer, error);
                }
                let purpose = Purpose::Account {
                    name,
                    key: key.clone(),
                    session,
                };
                (purpose, key, since)
            }
        };
        let client = Client::new(conn, socket, peer, purpose);
        log_limited!(
            "joins",
            peer.ip(),
            "{} joined from {peer}",
            client.name().unwrap_or("?")
        );
        let slot = out.admit(conn, client);
        if self.dir.connect(&key, slot) {
            self.came_online(out, &key);
        }
        self.welcome(out, slot, &key);
        if let Some(since) = since {
            self.start_replay(out, slot, since);
        }
    }

    /// The first frame of a chat connection: who you are, your rooms and private conversations,
    /// and whether those partners are online. Not the members of your rooms: `general` holds
    /// every account, and a welcome that listed them all grew past what a client may have
    /// waiting; they come on demand (`members`, `lists.rs`). Each list stops at its share of the
    /// reply budget, so a welcome never outgrows it.
    fn welcome(&mut self, out: &mut Outbox, slot: Slot, key: &str) {
        let dir = &self.dir;
        let Some(user) = dir.user(key) else { return };
        let guest = out
            .client(slot)
            .and_then(|client| client.user_key())
            .is_none_or(|(_, guest)| guest);
        let lists = self
            .limits
            .reply_bytes()
            .saturating_sub(WELCOME_FIXED_BYTES);
        let (rooms, _) = fit(dir.rooms_of(key).map(|r| r.name.as_str()), lists / 5);
        // Partners are named twice (`dms`, then `users` or `offline`): 3/10 of it each time.
        let partners = user.dms.iter().filter_map(|k| dir.user(k));
        let (dms, _) = fit(partners.clone().map(|u| u.name.as_str()), lists * 3 / 10);
        let read = self.read_infos(key, &rooms, &dms, lists / 10);
        let (mut online, offline): (Vec<_>, Vec<_>) = partners
            .take(dms.len())
            .chain(std::iter::once(user))
            .partition(|u| u.shown_online());
        online.sort_by_key(|u| name_key(&u.name));
        let named = online
            .iter()
            .chain(&offline)
            .filter(|u| !std::ptr::eq(**u, user));
        let (display_names, _) = fit(
            named.filter_map(|u| {
                let display_name = u.display.as_deref()?;
                Some(DisplayInfo {
                    user: &u.name,
                    display_name,
                })
            }),
            lists / 10,
        );
        // Owners and moderators, so that the people lists mark them: few, but cut like the rest.
        // (Kept by key, so in name order.)
        let (staff, _) = fit(
            dir.staff().map(|u| StaffInfo {
                user: &u.name,
                role: u.standing.role.name(),
            }),
            lists / 10,
        );
        let welcome = ServerFrame::Welcome {
            you: &user.name,
            role: (!guest).then(|| user.standing.role.name()),
            muted_until: user.standing.muted_at(now_ms()),
            staff: (!guest).then_some(staff),
            display_name: user.display.as_deref(),
            display_names,
            users: online.into_iter().map(|u| u.name.as_str()).collect(),
            offline: offline.into_iter().map(|u| u.name.as_str()).collect(),
            rooms,
            dms,
            read,
        };
        let json = welcome.to_json();
        out.own(slot, |bytes| frame::text(bytes, &json));
    }

    /// The welcome's read positions of `rooms` and `dms` (as the welcome names them): a room the
    /// user has a position in, a private conversation they have one in or messages unread; each
    /// entry costs its name and [`READ_INFO_BYTES`], and the list stops at `budget`.
    fn read_infos<'a>(
        &self,
        key: &str,
        rooms: &[&'a str],
        dms: &[&'a str],
        budget: usize,
    ) -> Vec<ReadInfo<'a>> {
        let in_rooms = rooms.iter().filter_map(|&room| {
            let conversation = room_conversation(&name_key(room));
            let seq = self.reads.position(&conversation, key)?;
            let unread = self.reads.unread_after(&conversation, key, seq);
            Some((
                room,
                ReadInfo {
                    room: Some(room),
                    with: None,
                    seq,
                    unread,
                    newest: self.reads.newest(&conversation),
                },
            ))
        });
        let in_dms = dms.iter().filter_map(|&with| {
            let conversation = private_conversation(key, &name_key(with));
            let position = self.reads.position(&conversation, key);
            let seq = position.unwrap_or(0);
            let unread = self.reads.unread_after(&conversation, key, seq);
            (position.is_some() || unread > 0).then_some((
                with,
                ReadInfo {
                    room: None,
                    with: Some(with),
                    seq,
                    unread,
                    newest: self.reads.newest(&conversation),
                },
            ))
        });
        let mut spent = 0;
        in_rooms
            .chain(in_dms)
            .take_while(|(name, _)| {
                spent += name.len() + READ_INFO_BYTES;
                spent <= budget
            })
            .map(|(_, info)| info)
            .collect()
    }

    /// Tells the user's contacts (everyone who shares a room or a private conversation with
    /// them, but the user) that they came or went.
    pub(super) fn presence(&mut self, out: &mut Outbox, key: &str, online: bool) {
        let Some(user) = self.dir.user(key) else {
            return;
        };
        let piece = out.shared(|bytes| presence_frame(bytes, user, online));
        out.new_audience();
        let partners = user.dms.iter().filter_map(|k| self.dir.user(k));
        let partner_conns = partners.flat_map(|partner| partner.conns.iter());
        let room_conns = self.dir.rooms_of(key).flat_map(|room| room.live.iter());
        for &slot in room_conns.chain(partner_conns) {
            if !user.conns.contains(&slot) {
                out.queue_once(slot, piece);
            }
        }
    }

    /// A private conversation began: each side learns whether the other is online, as their
    /// contacts already do.
    pub(super) fn introduce(&mut self, out: &mut Outbox, a: &str, b: &str) {
        for (to, about) in [(a, b), (b, a)] {
            let (Some(to), Some(about)) = (self.dir.user(to), self.dir.user(about)) else {
                continue;
            };
            let online = about.shown_online();
            let piece = out.shared(|bytes| presence_frame(bytes, about, online));
            for &slot in &to.conns {
                out.queue(slot, piece);
            }
        }
    }

    /// Removes a client; its user going offline with it is presence news. Its Close frame (and,
    /// for a refusal or a sign-out, its `error` frame) goes out after this batch (`outbox.rs`).
    pub(super) fn remove(&mut self, out: &mut Outbox, conn: ConnId, end: End) {
        let Some((slot, client)) = out.remove(conn) else {
            return;
        };
        self.replays.forget(slot);
        match client.user_key() {
            Some((key, _)) => {
                let name = client.name().unwrap_or("?");
                // Evictions are what an operator looks for: each is written, never one of a few
                // per address a minute (the log thread still drops and counts what it cannot
                // keep up with).
                match end.is_eviction() {
                    true => log!("{name} left from {} ({end})", client.peer),
                    false => log_limited!("leaves", client.peer.ip(), "{name} left ({end})"),
                }
                if self.dir.disconnect(&key, slot) {
                    self.went_offline(&key, Instant::now());
                }
            }
            None => log!("echo connection from {} ended ({end})", client.peer),
        }
        out.close(client, end);
    }

    /// Closes every connection of the sessions that ended, each told why.
    pub(super) fn end_sessions(&mut self, out: &mut Outbox, ended: &[(SessionId, SignOut)]) {
        let closing: Vec<(ConnId, SignOut)> = out
            .clients()
            .filter_map(|(_, client)| {
                let session = client.session()?;
                let (_, why) = ended.iter().find(|(id, _)| *id == session)?;
                Some((client.conn, *why))
            })
            .collect();
        for (conn, why) in closing {
            self.remove(out, conn, End::SignedOut(why));
        }
    }

    /// A user registered: they can be written to, and the store has put them in `general`, which
    /// its members hear as `joined`.
    pub(super) fn user_added(&mut self, out: &mut Outbox, name: &str) {
        if self.dir.add_user(name, Pace::default()) {
            let (general, key) = (Directory::general_key(), name_key(name));
            self.look_alikes.claim(name, &key);
            self.dir.add_member(&general, &key);
            // What was said before they came is not news to them (as for any room joined).
            let conversation = room_conversation(&general);
            self.reads.advance(&conversation, &key, u64::MAX, true);
            self.announce(out, &general, &key, true);
        }
    }
}

/// Refuses a connection that never joined: it gets the `error` frame, then Close 1008.
fn refuse(
    out: &mut Outbox,
    conn: ConnId,
    socket: Arc<TcpStream>,
    peer: SocketAddr,
    error: WireError,
) {
    log_limited!("refused names", peer.ip(), "refused {peer}: {}", error.code);
    let client = Client::new(conn, socket, peer, Purpose::Refused);
    out.close(client, End::Refused(error));
}

/// Appends a `presence` frame, encoded.
fn presence_frame(out: &mut Vec<u8>, user: &User, online: bool) {
    let json = ServerFrame::Presence {
        user: &user.name,
        display_name: user.display.as_deref(),
        online,
        ts: now_ms(),
    }
    .to_json();
    frame::text(out, &json);
}
