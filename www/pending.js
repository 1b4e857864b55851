// pending.js: the outbox. Every message you write is kept here, in localStorage under your
// account (storage.js), from the moment you press Send until the server acknowledges it (a
// `message` frame with its `id`) or refuses it (an `error` frame naming its `id`): a lost
// connection, a server restart or a reload loses nothing. After each (re)connection the page sends
// every pending message again with the *same* id, and the server, which remembers ids for a
// day, answers a retry with the message it stored the first time instead of storing it twice
// (PROTOCOL.md §4, "Sending again"). So each message appears once, however often it was sent.
//
// An entry: { id, kind: 'room' | 'dm', name, text, failed: null | "why" }. A failed entry is not
// sent again by itself: the person chooses to retry or discard it. A change to a message of yours
// (edits.js) waits here the same way, with the same id on every try: { id, kind, name, change:
// true, seq, text (null: a deletion), was (the text before) }; a refused change is dropped.
// A deliberate sign-out deletes the whole outbox (app.js asks first): on a shared classroom
// computer, what one person could not send must not wait in the browser for the next one.

import * as link from './link.js';
import * as me from './me.js';
import { readJson, writeJson } from './storage.js';

// Ids: a random prefix per page load, then c1, c2... Unique across reloads, so that a new message
// is never mistaken for the retry of an old one; messages restored after a reload keep theirs.
const ID_PREFIX = [...crypto.getRandomValues(new Uint32Array(2))].map((n) => n.toString(36)).join('');
let nextId = 1;

// Sending the outbox after a reconnect stays under the server's default pace (10 messages a
// second, bursts of 20): a burst of BURST, then one every REFILL_MS.
const BURST = 10;
const REFILL_MS = 150;

const queue = []; // ids to send, in the order they were written
let tokens = BURST;
let refilledAt = 0;
let timer = 0;

/** A new sign-in: the outbox is now that of the account in me.js, and nothing is queued. */
export function useAccount() {
  queue.length = 0;
}

const newId = () => `${ID_PREFIX}-c${nextId++}`;

const load = () => {
  const entries = readJson(me.accountName(), 'pending', []);
  return Array.isArray(entries) ? entries.filter((e) => e && typeof e.id === 'string') : [];
};
const save = (entries) => writeJson(me.accountName(), 'pending', entries.length ? entries : null);

/** Every entry, oldest first. Read afresh each time: another tab may have changed them. */
export const all = () => load();
export const get = (id) => load().find((entry) => entry.id === id) ?? null;

function update(id, change) {
  const entries = load();
  const entry = entries.find((e) => e.id === id);
  if (entry) {
    Object.assign(entry, change);
    save(entries);
  }
  return entry ?? null;
}

/** A message just written: kept, and sent as soon as the connection is ready. */
export function submit({ kind, name, text }) {
  const entry = { id: newId(), kind, name, text, failed: null };
  save([...load(), entry]);
  queue.push(entry.id);
  pump();
  return entry;
}

/** A change to your message `seq` (`text`, or null to delete it): kept and sent like a message. */
export function submitChange({ kind, name, seq, text, was }) {
  const entry = { id: newId(), kind, name, change: true, seq, text, was, failed: null };
  save([...load(), entry]);
  queue.push(entry.id);
  pump();
  return entry;
}

/** The server acknowledged `id` (its message arrived with that id): forget it. */
export function remove(id) {
  const entries = load();
  const kept = entries.filter((e) => e.id !== id);
  if (kept.length !== entries.length) save(kept);
  return kept.length !== entries.length;
}

/** The server refused `id`; it waits for the person to retry or discard it. */
export const markFailed = (id, why) => update(id, { failed: String(why || 'refused') });

/** Retry a failed message, with its own id (if it did get stored, the server says so). */
export function retry(id) {
  if (!update(id, { failed: null })) return;
  queue.push(id);
  pump();
}

/** A deliberate sign-out: every entry is deleted, sent or not; returns them. */
export function discardAll() {
  const entries = load();
  save([]);
  queue.length = 0;
  clearTimeout(timer);
  timer = 0;
  return entries;
}

/** After a (re)connection is ready: every pending message goes out again, in order. */
export function flush() {
  queue.length = 0;
  queue.push(...load().filter((e) => !e.failed).map((e) => e.id));
  pump();
}

function frameOf(entry) {
  if (entry.change) {
    return entry.text === null
      ? { type: 'delete', seq: entry.seq, id: entry.id }
      : { type: 'edit', seq: entry.seq, text: entry.text, id: entry.id };
  }
  return entry.kind === 'room'
    ? { type: 'send', room: entry.name, text: entry.text, id: entry.id }
    : { type: 'dm', to: entry.name, text: entry.text, id: entry.id };
}

function pump() {
  clearTimeout(timer);
  timer = 0;
  if (!link.isReady()) return; // flush() starts again once the next connection is ready
  const now = Date.now();
  tokens = Math.min(BURST, tokens + (now - refilledAt) / REFILL_MS);
  refilledAt = now;
  while (queue.length && tokens >= 1) {
    const entry = get(queue[0]);
    if (entry && !entry.failed && !link.send(frameOf(entry))) return; // lost: flush() retries
    queue.shift();
    if (entry && !entry.failed) tokens -= 1;
  }
  if (queue.length) timer = setTimeout(pump, REFILL_MS);
}
