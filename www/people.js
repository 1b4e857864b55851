// people.js: who is online, as far as this page knows, and nothing about the DOM. The server tells
// each user about their contacts, the people who share a room or a private conversation with them:
// `welcome` lists the private partners (`users` online, `offline` the others), the pages of
// `members` (members.js) the people in your rooms, and `presence` frames follow them all
// (PROTOCOL.md §4). Someone seen before the server has said anything of them (a name in `dms`
// that `welcome` did not list, a newcomer writing to you) is kept as *unknown* rather than shown
// offline when they may not be.
//
// Names are keyed as the server compares them (rules.js `nameKey`), and shown as the server spells
// them, or by the display name each person set (`profile` frames, and `display_name` on welcome,
// members, presence and joined: PROTOCOL.md §4); `label(name)` is what the page shows for someone.
// Who you are is me.js's.

import { isMe } from './me.js';
import { nameKey } from './rules.js';

const people = new Map(); // nameKey(name) → { name, online: true | false | null (unknown) }
const displays = new Map(); // nameKey(name) → the display name they set (kept apart: it outlives presence)
const listeners = new Set();

const changed = () => listeners.forEach((listener) => listener());

/** Calls `listener()` after any change. */
export function onChange(listener) {
  listeners.add(listener);
}

function put(name, online) {
  people.set(nameKey(name), { name: String(name), online });
}

/** Notes `name`'s display name (`null` or absent: none); true if it changed. */
export function setDisplay(name, display) {
  const key = nameKey(name);
  const before = displays.get(key) ?? null;
  const after = typeof display === 'string' && display !== '' ? display : null;
  if (after === null) displays.delete(key);
  else displays.set(key, after);
  if (before !== after) {
    changed();
    for (const listener of relabelers) listener(String(name));
  }
  return before !== after;
}

const relabelers = new Set();
/** Calls `listener(name)` when `name`'s display name changes (to relabel what shows it). */
export function onRelabel(listener) {
  relabelers.add(listener);
}

/** The display name `name` set, or null. */
export const displayOf = (name) => displays.get(nameKey(name)) ?? null;

/** What the page calls `name`: their display name if they set one, else their account name. */
export const label = (name) => displayOf(name) ?? String(name);

/** A welcome: the whole list again, replacing what it showed before (a reconnect). */
export function reset({ you, users, offline, dms, display_name: yours, display_names: named }) {
  people.clear();
  displays.clear();
  setDisplay(you, yours);
  for (const entry of Array.isArray(named) ? named : []) {
    if (typeof entry?.user === 'string') setDisplay(entry.user, entry.display_name);
  }
  const asList = (value) => (Array.isArray(value) ? value : []);
  for (const name of asList(dms)) put(name, null);
  for (const name of asList(offline)) put(name, false);
  for (const name of asList(users)) put(name, true);
  put(you, true);
  changed();
}

/** A `members` page: people in one of your rooms, [{ user, online }], as it says (you aside). */
export function addMembers(members) {
  for (const { user, online, display } of members) {
    if (!isMe(user)) put(user, online);
    if (display !== undefined) setDisplay(user, display);
  }
  changed();
}

/** A `presence` frame: someone came online or went offline. */
export function setOnline(name, online) {
  put(name, online === true);
  changed();
}

/**
 * Someone appeared in one of your rooms (`joined`), or wrote to you. Whoever joins a room is
 * connected at that moment; a name already known keeps what presence said of it.
 */
export function saw(name, { active = false } = {}) {
  const known = people.get(nameKey(name));
  if (known && (known.online !== null || !active)) return;
  put(name, active ? true : null);
  changed();
}

/** true, false, or null when unknown (no shared room). */
export const onlineState = (name) => people.get(nameKey(name))?.online ?? null;

const RANK = { true: 0, false: 1, null: 2 }; // online, then offline, then unknown

/** Everyone, you first, then online, offline and unknown, each by name. */
export function list() {
  return [...people.values()].sort((a, b) =>
    Number(isMe(b.name)) - Number(isMe(a.name))
    || RANK[a.online] - RANK[b.online]
    || a.name.localeCompare(b.name, 'en', { sensitivity: 'base' }));
}

/** Forgets everyone (a sign-out). */
export function clear() {
  people.clear();
  displays.clear();
  changed();
}
