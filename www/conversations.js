// conversations.js: the per-conversation store, in memory, and nothing about the DOM. A
// conversation is a room you are in ("r/math") or a private conversation with a person
// ("d/bob"): keys use the name's key (rules.js `nameKey`, as the server compares names), while `name` keeps
// the server's spelling. For each it keeps the seqs it holds (to drop what it already has: history,
// replay and live traffic overlap), the oldest of them (where the next older history page
// starts), the unread count and how many of those mention you, how far its history has been
// read, and where its reader had scrolled. Which conversation is open is kept here too, so that
// "unread" has one definition: a message that arrives anywhere else, or in the open one while
// the page is out of sight.
//
// Whoever draws the sidebar subscribes with onChange(); changes made in one go (a replay of 200
// messages) reach it as one call.

import { isMe } from './me.js';
import { nameKey } from './rules.js';

const all = new Map(); // key → conversation
let current = null; // the open conversation's key, or null
let newest = 0; // the highest seq held anywhere: seqs are one order for every conversation
const listeners = new Set();
let notifying = false;

export const roomKey = (name) => `r/${nameKey(name)}`;
export const dmKey = (name) => `d/${nameKey(name)}`;
export const keyOf = (kind, name) => (kind === 'room' ? roomKey(name) : dmKey(name));

/** The conversation (kind, name) a `message` frame belongs to, as you see it; null if neither. */
export function targetOf(frame) {
  if (typeof frame.room === 'string') return { kind: 'room', name: frame.room };
  if (typeof frame.to !== 'string' || typeof frame.from !== 'string') return null;
  // Both sides of a private conversation get each message: its other side is whoever is not me.
  const mine = isMe(frame.from);
  return { kind: 'dm', name: mine ? frame.to : frame.from };
}

function changed() {
  if (notifying) return;
  notifying = true;
  queueMicrotask(() => {
    notifying = false;
    for (const listener of listeners) listener();
  });
}

/** Calls `listener()` after any change (rooms, unread counts, the open conversation). */
export function onChange(listener) {
  listeners.add(listener);
}

function fresh(kind, name) {
  return {
    key: keyOf(kind, name),
    kind,
    name: String(name),
    unread: 0,
    mentions: 0, // of the unread, those that name you (@you)
    readSeq: null, // how far the server says you have read it (PROTOCOL.md §4 `read`), if it said
    counted: 0, // the newest message the server's count covers: a replay may bring it again
    latest: null, // the highest seq held
    // Its last activity, as a seq (the sidebar orders private conversations by it): its newest
    // message, or, for one just started, a place just after everything held so far.
    activity: newest + 0.5,
    seqs: new Set(),
    oldest: null, // the lowest seq held, where older history pages start
    history: { asked: false, loading: false, more: true, truncated: false },
    scroll: null, // { top, atBottom } saved when the reader left it
  };
}

/** The conversation (creating it if new); a known one takes the server's latest spelling. */
export function ensure(kind, name) {
  const key = keyOf(kind, name);
  let conversation = all.get(key);
  if (!conversation) {
    conversation = fresh(kind, name);
    all.set(key, conversation);
    changed();
  } else if (conversation.name !== name) {
    conversation.name = String(name);
    changed();
  }
  return conversation;
}

export const get = (key) => all.get(key) ?? null;
export const has = (key) => all.has(key);

export function remove(key) {
  if (!all.delete(key)) return;
  if (current === key) current = null;
  changed();
}

const byName = (a, b) => a.name.localeCompare(b.name, 'en', { sensitivity: 'base' });

/** Your rooms, by name. */
export const rooms = () => [...all.values()].filter((c) => c.kind === 'room').sort(byName);

/** Your private conversations, the most recently active first. */
export const dms = () => [...all.values()].filter((c) => c.kind === 'dm').sort((a, b) => b.activity - a.activity);

export const currentKey = () => current;

/** Opens `key` (null for none): it is read, so its unread count goes. */
export function setCurrent(key) {
  current = key;
  markRead(key);
  changed();
}

/**
 * The server's word on `key` (a `read` frame, or a welcome's `read` list): read up to `seq`,
 * with `unread` from others after it. It replaces what this page counted.
 */
export function setRead(key, seq, unread, newest) {
  const conversation = all.get(key);
  if (!conversation || !Number.isSafeInteger(seq) || !Number.isSafeInteger(unread)) return;
  if (conversation.readSeq !== null && seq < conversation.readSeq) return; // an older word
  conversation.readSeq = seq;
  if (key === current && unread > 0) return; // being read here: this tab's own read follows
  if (Number.isSafeInteger(newest)) conversation.counted = Math.max(conversation.counted, newest);
  conversation.unread = unread;
  if (unread === 0) conversation.mentions = 0;
  changed();
}

/** Everything in `key` has been seen (it is open, and the page is in sight). */
export function markRead(key) {
  const conversation = all.get(key);
  if (!conversation || conversation.unread === 0) return;
  conversation.unread = 0;
  conversation.mentions = 0;
  changed();
}

/** Notes that `seq` is held in `key`; false if it already was (a duplicate to drop). */
export function remember(key, seq) {
  const conversation = all.get(key);
  if (!conversation || conversation.seqs.has(seq)) return false;
  conversation.seqs.add(seq);
  if (conversation.oldest === null || seq < conversation.oldest) conversation.oldest = seq;
  newest = Math.max(newest, seq);
  if (conversation.latest === null || seq > conversation.latest) conversation.latest = seq;
  if (seq > conversation.activity) {
    conversation.activity = seq;
    if (conversation.kind === 'dm') changed(); // the sidebar's order of private conversations
  }
  return true;
}

/**
 * Message `seq` from someone else in `key`: unread unless it is open and `seen` (the page in
 * sight), or the server's count has it already (a replay after a reload); `mention`: it names you.
 */
export function addUnread(key, { seq, seen, mention }) {
  const conversation = all.get(key);
  if (!conversation || (key === current && seen) || seq <= conversation.counted) return;
  conversation.unread += 1;
  if (mention) conversation.mentions += 1;
  changed();
}

export const totalUnread = () => [...all.values()].reduce((sum, c) => sum + c.unread, 0);

/** The highest seq held anywhere (history included), or null. */
export function highestSeq() {
  let highest = null;
  for (const conversation of all.values()) {
    for (const seq of conversation.seqs) if (highest === null || seq > highest) highest = seq;
  }
  return highest;
}

/** Forgets what `key` holds (its messages are to be read again), keeping its unread counts. */
export function forgetMessages(key) {
  const conversation = all.get(key);
  if (!conversation) return;
  const { unread, mentions, activity, readSeq, counted } = conversation;
  Object.assign(conversation, fresh(conversation.kind, conversation.name), { unread, mentions, activity, readSeq, counted });
}

export const keys = () => [...all.keys()];

/** Forgets everything (a sign-out). */
export function clear() {
  all.clear();
  current = null;
  newest = 0;
  changed();
}
