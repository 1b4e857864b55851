// staff.js: roles and standings as this page knows them (PROTOCOL.md §4 "Teacher tools"): your
// role, who the owners and moderators are (the welcome's `staff`, then `role` frames), your mute
// (the welcome's `muted_until`, `muted` frames, a `muted` refusal), each room's rules (the
// `rooms` answers, `room_settings` frames), and when you last posted in a slow room, for its
// countdown. It only keeps and tells: silence.js turns it into what the composer says, and
// moderate.js into the staff's controls. `<html data-moderates>` lets the CSS show those.

import * as me from './me.js';
import { el } from './items.js';
import { nameKey } from './rules.js';

const ROLES = new Set(['member', 'moderator', 'owner']);

let mine = 'member';
const roles = new Map(); // nameKey → 'owner' | 'moderator', for the staff only
let mutedUntil; // undefined: not muted; null: until lifted; a number: ms
const rules = new Map(); // room nameKey → { readOnly, slowSeconds }
const lastPost = new Map(); // room nameKey → when you last posted there (ms)
const listeners = [];

/** listener(): something here changed. */
export function onChange(listener) {
  listeners.push(listener);
}

function changed() {
  document.documentElement.dataset.moderates = String(moderates());
  for (const listener of listeners) listener();
}

/** From a welcome: your role and mute, and the staff. */
export function fromWelcome(frame) {
  roles.clear();
  for (const entry of Array.isArray(frame.staff) ? frame.staff : []) {
    if (typeof entry?.user === 'string' && ROLES.has(entry.role)) roles.set(nameKey(entry.user), entry.role);
  }
  mine = ROLES.has(frame.role) ? frame.role : 'member';
  mutedUntil = 'muted_until' in frame ? frame.muted_until : undefined;
  changed();
}

/** A `role` frame: someone (you, maybe) has a new role. */
export function onRole(frame) {
  if (typeof frame.user !== 'string' || !ROLES.has(frame.role)) return;
  if (frame.role === 'member') roles.delete(nameKey(frame.user));
  else roles.set(nameKey(frame.user), frame.role);
  if (me.isMe(frame.user)) mine = frame.role;
  changed();
}

/** A `muted` frame about you (`until`: ms, null until lifted, 0 lifted), or a `muted` refusal. */
export function setMuted(until) {
  mutedUntil = until === 0 ? undefined : until;
  changed();
}

/** A room's rules, from a `rooms` answer's entry or a `room_settings` frame. */
export function setRules(room, { read_only: readOnly, slow_seconds: slowSeconds }) {
  if (typeof room !== 'string') return;
  const was = rules.get(nameKey(room));
  const next = { readOnly: readOnly === true, slowSeconds: Number.isInteger(slowSeconds) ? slowSeconds : 0 };
  rules.set(nameKey(room), next);
  if (was?.readOnly !== next.readOnly || was?.slowSeconds !== next.slowSeconds) changed();
}

/** You posted in `room` now (the slow mode's countdown starts). */
export function posted(room) {
  lastPost.set(nameKey(room), Date.now());
  changed();
}

/** Forgets it all (a sign-out). */
export function clear() {
  mine = 'member';
  roles.clear();
  rules.clear();
  lastPost.clear();
  mutedUntil = undefined;
  changed();
}

export const role = () => mine;
export const moderates = () => mine === 'owner' || mine === 'moderator';
export const isOwner = () => mine === 'owner';
/** Someone's role: 'owner', 'moderator' or 'member'. */
export const roleOf = (name) => (me.isMe(name) ? mine : roles.get(nameKey(name)) ?? 'member');
/** The rules of `room` (none known: neither). */
export const rulesOf = (room) => rules.get(nameKey(room)) ?? { readOnly: false, slowSeconds: 0 };

/** Whether you are muted now; `until` is when it ends (ms), or null until lifted. */
export function mute(now = Date.now()) {
  if (mutedUntil === undefined) return { muted: false, until: null };
  if (mutedUntil !== null && mutedUntil <= now) return { muted: false, until: null };
  return { muted: true, until: mutedUntil };
}

/** How many ms before you may post in the slow room `room` again (0: now). */
export function slowWait(room, now = Date.now()) {
  if (moderates()) return 0;
  const { slowSeconds } = rulesOf(room);
  const last = lastPost.get(nameKey(room));
  if (!slowSeconds || last === undefined) return 0;
  return Math.max(0, last + slowSeconds * 1000 - now);
}

/** A small "owner" / "mod" mark for `name`, or null for a member. */
export function badgeOf(name) {
  const held = roleOf(name);
  if (held === 'member') return null;
  const span = el('span', `role role-${held}`, held === 'owner' ? 'owner' : 'mod');
  span.dataset.testid = 'role-badge';
  span.title = held === 'owner' ? 'Owner: runs this chat' : 'Moderator';
  return span;
}
