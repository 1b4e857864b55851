// members.js: who is in your rooms, for the People list and the open room's member list
// (roster.js). The welcome names your rooms but not their members (a room of thousands would make
// it too big to deliver, PROTOCOL.md §4 `welcome`), so the page asks for each room's `members`,
// one page at a time, following each page's `next`; every member goes into people.js with whether
// they are online (`presence` frames keep that up to date afterwards), and into the room's own
// list here, which `joined` and `left` frames keep up to date. One request is out at a time, so
// the answers never crowd the connection.

import * as link from './link.js';
import * as people from './people.js';
import { nameKey } from './rules.js';

let queue = []; // rooms still to ask about, after the one out
let out = null; // the room whose page is being asked for, or null
const byRoom = new Map(); // nameKey(room) → Map(nameKey(user) → user as the server spells it)
const listeners = new Set();
const changed = () => listeners.forEach((listener) => listener());

/** Calls `listener()` after any change to a room's members. */
export function onChange(listener) {
  listeners.add(listener);
}

/** The members of `room` known so far, by name (you included). */
export function of(room) {
  return [...(byRoom.get(nameKey(room))?.values() ?? [])]
    .sort((a, b) => a.localeCompare(b, 'en', { sensitivity: 'base' }));
}

function put(room, user) {
  let members = byRoom.get(nameKey(room));
  if (!members) byRoom.set(nameKey(room), (members = new Map()));
  members.set(nameKey(user), String(user));
}

/** A `joined` or `left` frame for one of your rooms. */
export function onMembership(room, user, joined) {
  if (joined) put(room, user);
  else byRoom.get(nameKey(room))?.delete(nameKey(user));
  changed();
}

/** You left `room` (or were never in it after all): its list goes. */
export function forget(room) {
  byRoom.delete(nameKey(room));
  changed();
}

/** A welcome: asks again about every one of `rooms` (a reconnect may have missed changes). */
export function askAll(rooms) {
  queue = [];
  out = null;
  byRoom.clear(); // each is asked again: whoever left meanwhile must not stay
  changed();
  askFor(rooms);
}

/** Asks about these rooms too (one just joined), after those already queued. */
export function askFor(rooms) {
  queue.push(...rooms.filter((room) => typeof room === 'string'));
  if (out === null) askNext();
}

function askNext() {
  out = null;
  while (queue.length && out === null) {
    const room = queue.shift();
    if (link.send({ type: 'members', room })) out = nameKey(room);
  }
}

/** A `members` frame: a page of one room's members. */
export function onMembers(frame) {
  if (typeof frame.room !== 'string' || nameKey(frame.room) !== out) return;
  const page = (Array.isArray(frame.members) ? frame.members : [])
    .filter((member) => typeof member?.user === 'string')
    .map((member) => ({ user: member.user, online: member.online === true, display: member.display_name ?? null }));
  people.addMembers(page);
  for (const { user } of page) put(frame.room, user);
  changed();
  if (typeof frame.next === 'string' && link.send({ type: 'members', room: frame.room, after: frame.next })) return;
  askNext();
}

/** Whether a page is being asked for: a refusal without an id may be its answer. */
export const waiting = () => out !== null;

/** The room asked about was refused (left, or removed, meanwhile): on to the next. */
export function refused() {
  askNext();
}
