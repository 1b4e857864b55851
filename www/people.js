// people.js: who is online, as far as this page knows, and nothing about the DOM. The server tells
// each user about their contacts, the people who share a room or a private conversation with them:
// `welcome` lists the private partners (`users` online, `offline` the others), the pages of
// `members` (members.js) the people in your rooms, and `presence` frames follow them all
// (PROTOCOL.md §4). Someone seen before the server has said anything of them (a name in `dms`
// that `welcome` did not list, a newcomer writing to you) is kept as *unknown* rather than shown
// offline when they may not be.
//
// Names are keyed as the server compares them (rules.js `nameKey`), and shown as the server spells
// them. Who you are is me.js's.

import { isMe } from './me.js';
import { nameKey } from './rules.js';

const people = new Map(); // nameKey(name) → { name, online: true | false | null (unknown) }
const listeners = new Set();

const changed = () => listeners.forEach((listener) => listener());

/** Calls `listener()` after any change. */
export function onChange(listener) {
  listeners.add(listener);
}

function put(name, online) {
  people.set(nameKey(name), { name: String(name), online });
}

/** A welcome: the whole list again, replacing what it showed before (a reconnect). */
export function reset({ you, users, offline, dms }) {
  people.clear();
  const asList = (value) => (Array.isArray(value) ? value : []);
  for (const name of asList(dms)) put(name, null);
  for (const name of asList(offline)) put(name, false);
  for (const name of asList(users)) put(name, true);
  put(you, true);
  changed();
}

/** A `members` page: people in one of your rooms, [{ user, online }], as it says (you aside). */
export function addMembers(members) {
  for (const { user, online } of members) {
    if (!isMe(user)) put(user, online);
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
  changed();
}
