// typing.js: "alice is typing…", both ways (PROTOCOL.md §4 `typing`).
//
// Out: while you type in the composer, a `typing` notice for the open conversation goes out at
// most every SEND_EVERY_MS, not on every key. After you send a message the others' line is
// cleared, so the next message's first keys may announce it sooner, but never sooner than the
// server relays (RELAY_GAP_MS: it drops notices that come quicker, PROTOCOL.md §4). In: each notice shows its sender under the messages
// of its conversation for SHOW_MS; a newer notice restarts that time, and the sender's message
// arriving ends it at once. SHOW_MS is longer than SEND_EVERY_MS (and than the server's own 2 s
// relay limit), so that someone typing steadily never flickers off between two notices.

import * as conversations from './conversations.js';
import * as link from './link.js';
import { nameKey } from './rules.js';

const SEND_EVERY_MS = 3000;
const RELAY_GAP_MS = 2000; // the server relays one notice per user and conversation per 2 s
const SHOW_MS = 4000;

const line = document.getElementById('typing');
const lastSent = new Map(); // conversation key → when our last notice for it went out
const messageSince = new Set(); // conversation keys where a message went out after that notice
const typers = new Map(); // conversation key → Map(nameKey(name) → { name, timer })

/** You typed in the composer of `conversation`. */
export function noteInput(conversation) {
  const now = Date.now();
  const wait = messageSince.has(conversation.key) ? RELAY_GAP_MS : SEND_EVERY_MS;
  if (now - (lastSent.get(conversation.key) ?? -Infinity) < wait) return;
  const frame = conversation.kind === 'room'
    ? { type: 'typing', room: conversation.name }
    : { type: 'typing', to: conversation.name };
  if (!link.send(frame)) return;
  lastSent.set(conversation.key, now);
  messageSince.delete(conversation.key);
}

/** You sent a message: the next key you press starts a new notice as soon as it may. */
export function noteSent(key) {
  messageSince.add(key);
}

/** A `typing` frame: `user` types in a room, or to you (then the conversation is theirs). */
export function onTyping(frame) {
  if (typeof frame.user !== 'string') return;
  const key = typeof frame.room === 'string'
    ? conversations.roomKey(frame.room)
    : conversations.dmKey(frame.user);
  if (!typers.has(key)) typers.set(key, new Map());
  const here = typers.get(key);
  const id = nameKey(frame.user);
  clearTimeout(here.get(id)?.timer);
  const timer = setTimeout(() => stopped(key, frame.user), SHOW_MS);
  here.set(id, { name: frame.user, timer });
  render();
}

/** `name` is no longer typing in `key` (their message arrived, or their notice timed out). */
export function stopped(key, name) {
  const here = typers.get(key);
  const id = nameKey(name);
  if (!here?.has(id)) return;
  clearTimeout(here.get(id).timer);
  here.delete(id);
  render();
}

/** Shows who is typing in the open conversation (call after switching, too). */
export function render() {
  const names = [...(typers.get(conversations.currentKey())?.values() ?? [])].map((t) => t.name);
  if (names.length === 0) line.textContent = '';
  else if (names.length === 1) line.textContent = `${names[0]} is typing…`;
  else if (names.length === 2) line.textContent = `${names[0]} and ${names[1]} are typing…`;
  else line.textContent = 'Several people are typing…';
}

/** Forgets everyone (a sign-out). */
export function clear() {
  for (const here of typers.values()) for (const { timer } of here.values()) clearTimeout(timer);
  typers.clear();
  lastSent.clear();
  messageSince.clear();
  render();
}
