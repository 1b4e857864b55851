// chat.js: what the page does with each frame of the chat connection (PROTOCOL.md §4), and the
// order of things on each (re)connection:
//   1. The connection opens with `?since=` the highest seq received so far (storage.js), so that
//      the server replays what was missed, in seq order, then says `caught_up`.
//   2. `welcome`: your rooms and private conversations (the people in your rooms are asked for,
//      page by page: members.js); the open conversation reopened. (The outbox, pending.js, is
//      shown from the start, before any connection.)
//   3. Ready (at `caught_up`, or at `welcome` when there was no since): every pending message is
//      sent again with its own id; the server answers a retry with the message it stored.
// A message is added to its conversation once, whatever brought it (live, replay, history: each
// seq is kept once), and counts as unread when it arrives live elsewhere than the open
// conversation. The highest seq is advanced only from live and replayed messages, never from
// history pages, which may run ahead of a replay still under way.

import * as attention from './attention.js';
import * as conversations from './conversations.js';
import * as edits from './edits.js';
import * as history from './history.js';
import * as link from './link.js';
import * as me from './me.js';
import * as members from './members.js';
import * as messages from './messages.js';
import * as moderate from './moderate.js';
import * as navigate from './navigate.js';
import * as pending from './pending.js';
import * as people from './people.js';
import * as profile from './profile.js';
import * as readmark from './readmark.js';
import * as rooms from './rooms.js';
import * as sidebar from './sidebar.js';
import * as staff from './staff.js';
import * as classPanel from './class-panel.js';
import * as storage from './storage.js';
import * as text from './text.js';
import * as typing from './typing.js';
import * as view from './view.js';
import { sentence } from './rules.js';

// Refusals of a `members` request: the room was left or removed since.
const MEMBERS_ERRORS = new Set(['not_a_member', 'no_such_room']);

let since = null; // the since the current connection was opened with, or null for none
let onWelcomed = () => {}; // the app's: (first welcome since you came in)

/**
 * A new sign-in (or guest name): you (me.js), whose outbox and catch-up point to use.
 * `welcomed(first)` is called at each welcome.
 */
export function start(name, { welcomed }) {
  reset();
  onWelcomed = welcomed;
  me.signIn(name);
  pending.useAccount();
  // Shown at once, before any connection: they are there even while the server is unreachable.
  restorePending();
  if (conversations.keys().length) navigate.openDefault();
}

/** The `?since=` for the connection about to open (socket.js asks before each attempt). */
export function sinceForConnection() {
  // Without a stored point (a first visit), the newest message held is the next best.
  since = storage.since(me.accountName()) ?? conversations.highestSeq();
  return since;
}

export function onFrame(frame) {
  // The answer to one of the staff's actions (moderate.js): a refusal is theirs alone.
  if (moderate.settle(frame) && frame.type === 'error') return undefined;
  switch (frame.type) {
    case 'welcome': return onWelcome(frame);
    case 'message': return onMessage(frame, true);
    case 'edited':
    case 'deleted': return onChange(frame);
    case 'caught_up': return onCaughtUp(frame);
    case 'history': return history.onHistory(frame);
    case 'joined': return onMembership(frame, true);
    case 'left': return onMembership(frame, false);
    case 'presence': return onPresence(frame);
    case 'profile': return onProfile(frame);
    case 'typing': return typing.onTyping(frame);
    case 'rooms': return rooms.onRooms(frame);
    case 'members': return members.onMembers(frame);
    case 'read': return onRead(frame);
    case 'error': return onError(frame);
    case 'muted': return me.isMe(frame.user) ? staff.setMuted(frame.until) : undefined;
    case 'role': return staff.onRole(frame);
    case 'room_settings': return staff.setRules(frame.room, frame);
    case 'registration': return classPanel.onRegistration(frame);
    default: return undefined; // unknown frame types are ignored, so the protocol can grow (§4)
  }
}

/** The connection was lost: nothing may be sent until the next welcome. */
export function onLost() {
  link.setState({ welcomed: false, ready: false });
  moderate.abandon();
  navigate.renderHeader(); // a private conversation's "online" is no longer known
}

function onWelcome(frame) {
  const first = me.welcome(frame.you);
  onWelcomed(first);
  attention.renderControl(); // the notifications switch is this account's
  staff.fromWelcome(frame);
  people.reset(frame);
  const mine = new Set((Array.isArray(frame.rooms) ? frame.rooms : []).map(conversations.roomKey));
  for (const room of conversations.rooms()) {
    if (!mine.has(room.key)) forgetRoom(room.key); // left elsewhere while we were away
  }
  for (const name of frame.rooms ?? []) conversations.ensure('room', name);
  for (const name of frame.dms ?? []) conversations.ensure('dm', name);
  for (const entry of Array.isArray(frame.read) ? frame.read : []) onRead(entry);
  history.resume();
  link.setState({ welcomed: true, ready: since === null });
  members.askAll(Array.isArray(frame.rooms) ? frame.rooms : []);
  rooms.resume();
  // A reconnection without a catch-up point (nothing ever received live) replays nothing: what
  // was missed can only come from history, read again.
  if (!first && since === null) forgetAllMessages();
  if (first || !conversations.has(conversations.currentKey())) navigate.openDefault();
  else history.openFirst(conversations.currentKey());
  if (since === null) pending.flush();
}

/**
 * Drops every message held (your pending ones stay); the conversations that had been read ask
 * for their recent history again, the others will when they are opened.
 */
function forgetAllMessages() {
  const read = conversations.keys().filter((key) => conversations.get(key).history.asked);
  for (const key of conversations.keys()) {
    conversations.forgetMessages(key);
    messages.clearDelivered(key);
  }
  for (const key of read) history.openFirst(key);
}

function onCaughtUp(frame) {
  // A server whose last seq is below ours has a new store (its data was reset): our point
  // means nothing there, and what we hold is from another history.
  const reset = Number.isSafeInteger(frame.seq) && since !== null && frame.seq < since;
  if (reset) storage.resetSince(me.accountName(), frame.seq);
  else storage.advanceSince(me.accountName(), frame.seq);
  // What we hold may have holes (retention removed some of what we missed), or be another
  // store's: then it is all read again.
  ready({ holes: frame.truncated === true || reset });
}

/** The replay is over: the outbox goes out. With `holes`, every conversation is read again. */
function ready({ holes }) {
  if (holes) forgetAllMessages();
  link.setState({ welcomed: true, ready: true });
  pending.flush();
}

/** Your outbox after a reload: shown in its conversations, pending or failed as it was. */
function restorePending() {
  for (const entry of pending.all().filter((e) => !e.change)) {
    conversations.ensure(entry.kind, entry.name);
    messages.addPending(conversations.keyOf(entry.kind, entry.name), entry, me.myName());
  }
}

/** A message: live or replayed (`live`), or from a history page. */
function onMessage(frame, live) {
  const target = conversations.targetOf(frame);
  if (!target || !Number.isSafeInteger(frame.seq)) return;
  if (target.kind === 'dm') people.saw(target.name);
  const { key } = conversations.ensure(target.kind, target.name);
  if (live) storage.advanceSince(me.accountName(), frame.seq);
  typing.stopped(key, frame.from);
  const fresh = conversations.remember(key, frame.seq);
  if (typeof frame.id === 'string') {
    // Our own message, acknowledged (live, in a replay, or in a history page after a reload).
    pending.remove(frame.id);
    if (!fresh) messages.removePending(key, frame.id);
    else if (messages.confirm(key, frame.id, frame)) return;
  }
  if (!fresh) return;
  const mine = me.isMe(frame.from);
  messages.addMessage(key, frame, { mine, quiet: !live });
  if (live && key === conversations.currentKey()) readmark.soon();
  if (live && !mine) {
    const mention = target.kind === 'room' && text.mentions(String(frame.text), me.isMe);
    conversations.addUnread(key, { seq: frame.seq, seen: attention.inSight(), mention });
    attention.arrived(key, frame, { mention });
  }
}

history.configure({ onMessage: (frame) => onMessage(frame, false) });

/** An edit or a deletion of a message (live, or in a replay): its seq counts like a message's. */
function onChange(frame) {
  const target = conversations.targetOf(frame);
  if (!target || !Number.isSafeInteger(frame.seq) || !Number.isSafeInteger(frame.target)) return;
  storage.advanceSince(me.accountName(), frame.seq);
  edits.apply(conversations.keyOf(target.kind, target.name), frame);
}

function onMembership(frame, joined) {
  if (typeof frame.room !== 'string' || typeof frame.user !== 'string') return;
  const key = conversations.roomKey(frame.room);
  if (joined) people.saw(frame.user, { active: true });
  if (joined) people.setDisplay(frame.user, frame.display_name);
  members.onMembership(frame.room, frame.user, joined);
  rooms.refresh();
  if (!me.isMe(frame.user)) {
    if (conversations.has(key)) messages.addMembership(key, frame.user, joined, frame.ts);
  } else if (joined) {
    conversations.ensure('room', frame.room);
    members.askFor([frame.room]);
    if (rooms.answered(frame.room)) navigate.open(key);
  } else {
    forgetRoom(key);
  }
}

/** Someone came or went; with their display name, if they set one. */
function onPresence(frame) {
  if (typeof frame.user !== 'string') return;
  people.setOnline(frame.user, frame.online);
  people.setDisplay(frame.user, frame.display_name);
}

/** Someone (you, maybe) set or cleared their display name. */
function onProfile(frame) {
  if (typeof frame.user !== 'string') return;
  people.setDisplay(frame.user, frame.display_name);
  if (me.isMe(frame.user)) profile.saved();
}

/** The server's read position of a conversation (a `read` frame, or a welcome's entry). */
function onRead(entry) {
  const key = typeof entry?.room === 'string' ? conversations.roomKey(entry.room)
    : typeof entry?.with === 'string' ? conversations.dmKey(entry.with) : null;
  if (key) conversations.setRead(key, entry.seq, entry.unread, entry.newest);
}

/** A room you are no longer in: gone from the sidebar, and closed if it was open. */
function forgetRoom(key) {
  const wasOpen = conversations.currentKey() === key;
  const room = conversations.get(key);
  if (room) members.forget(room.name);
  conversations.remove(key);
  messages.forget(key);
  if (wasOpen) navigate.openDefault();
}

function onError(frame) {
  const why = sentence(frame.message) || `The server refused that (${frame.code}).`;
  if (frame.code === 'muted' && 'until' in frame) staff.setMuted(frame.until);
  if (profile.REFUSALS.has(frame.code) && profile.refused(why)) return;
  if (typeof frame.id === 'string') {
    const entry = pending.get(frame.id);
    if (entry?.change) return edits.refused(entry, why);
    if (pending.markFailed(frame.id, why)) messages.fail(conversations.keyOf(entry.kind, entry.name), frame.id, why);
    return;
  }
  if (rooms.expectsAnswer() && rooms.ROOM_ERRORS.has(frame.code)) return rooms.showError(why);
  // A replay the server could not read ends with this error and Close 1011 instead of
  // `caught_up`: the socket reconnects and the replay starts again from the same point.
  if (frame.code === 'unavailable' && link.isWelcomed() && !link.isReady()) return;
  if (history.waiting() && history.HISTORY_ERRORS.has(frame.code)) return history.failed();
  if (members.waiting() && MEMBERS_ERRORS.has(frame.code)) return members.refused();
  view.showSendError(why);
}

/** Forgets this person's chat (a sign-out): nothing stays for whoever signs in next. */
export function reset() {
  conversations.clear();
  people.clear();
  messages.clearAll();
  typing.clear();
  history.resume();
  sidebar.closeDrawer(); // (a phone's drawer may be open as the session ends)
  sidebar.clearFilter();
  link.use(null);
  me.signOut();
  staff.clear();
  since = null;
  navigate.open(null); // the header says so, and the box is emptied: it is not for whoever comes next
}
