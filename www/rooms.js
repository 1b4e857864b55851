// rooms.js: creating, joining and leaving rooms (PROTOCOL.md §4 `create`, `join`, `leave`,
// `rooms`). The "+" beside "Rooms" opens a panel with one field: what you type filters the list of
// every room (from the server's `rooms` pages, with its member and online counts and a Join
// button each), and the field's button creates the room, or joins it when one of that name
// exists. The server answers with `joined` (chat.js), and the room this page asked for opens.
// The conversation header's "Leave room" sends `leave`; the answer is `left`.
//
// Refusals of these frames carry no id, so a refusal that arrives while a request of ours is out
// is taken as its answer and shown in the panel.

import * as conversations from './conversations.js';
import * as link from './link.js';
import * as staff from './staff.js';
import * as navigate from './navigate.js';
import { el } from './items.js';
import { NAME_RE, nameKey } from './rules.js';

const $ = (id) => document.getElementById(id);
const panel = $('room-panel');
const toggle = $('room-panel-toggle');
const input = $('room-name');
const submit = $('room-submit');
const error = $('room-name-error');
// Refusals of create / join, shown in the panel.
export const ROOM_ERRORS = new Set(['room_exists', 'room_name_invalid', 'too_many_rooms', 'no_such_room', 'not_a_member',
  'rate_limited']);

let directory = []; // the last list of rooms: [{ room, members, online }]
let gathering = []; // the pages of the list being read, until its last
let reading = false; // a list is being read, page by page: one at a time
let again = false; // a membership changed while it was read: read it once more after
let asked = null; // the nameKey of the room we asked to create or join, until answered

const existing = (name) => directory.find((r) => nameKey(r.room) === nameKey(name)) ?? null;

function setOpen(open) {
  panel.hidden = !open;
  toggle.setAttribute('aria-expanded', String(open));
  if (!open) return;
  askList();
  showError('');
  input.focus();
}

export function showError(text) {
  error.textContent = text;
  input.setAttribute('aria-invalid', text ? 'true' : 'false');
  if (text) asked = null;
}

/** Whether a create or join of ours waits for its answer. */
export const expectsAnswer = () => asked !== null;

/** `joined` for you in `room`: true if this page asked for it (then it should open). */
export function answered(room) {
  if (asked !== nameKey(room)) return false;
  asked = null;
  input.value = '';
  setOpen(false);
  return true;
}

/** Asks again for the list, when it is showing (a membership changed its counts). */
export function refresh() {
  if (!panel.hidden) askList();
}

/**
 * A welcome: whatever list was being read went with the old connection. The list is read once
 * anyway, panel or not: it carries each room's rules (read-only, slow mode), which the composer
 * follows (staff.js).
 */
export function resume() {
  reading = false;
  askList();
}

/**
 * Reads the list, unless one is being read: then once more after it. However many memberships
 * change, one list is on its way at a time, so the answers never pile up on a slow connection.
 */
function askList() {
  if (reading) {
    again = true;
    return;
  }
  gathering = [];
  again = false;
  reading = link.send({ type: 'rooms' });
}

function ask(type, room) {
  if (!link.send({ type, room })) {
    showError('Not connected right now; try again in a moment.');
    return;
  }
  asked = nameKey(room);
}

function directoryItem(info) {
  const li = el('li');
  li.dataset.testid = 'directory-room';
  li.dataset.name = info.room;
  const text = el('div', 'directory-text');
  const name = el('span', 'directory-name');
  name.append(el('span', 'sigil', '#'), String(info.room));
  const members = `${info.members} member${info.members === 1 ? '' : 's'}`;
  text.append(name, el('span', 'directory-counts', `${members} · ${info.online} online`));
  const member = conversations.has(conversations.roomKey(info.room));
  const button = el('button', member ? 'quiet' : '', member ? 'Open' : 'Join');
  button.type = 'button';
  button.dataset.testid = 'room-join';
  button.dataset.room = info.room;
  button.setAttribute('aria-label', `${member ? 'Open' : 'Join'} ${info.room}`);
  li.append(text, button);
  return li;
}

function render() {
  const filter = nameKey(input.value.trim());
  const shown = directory.filter((r) => nameKey(r.room).includes(filter));
  const list = $('room-directory');
  list.replaceChildren(...shown.map(directoryItem));
  if (shown.length === 0) list.append(el('li', 'directory-empty', directory.length ? 'No room matches.' : 'No rooms yet.'));
  // The field's button says what it will do with the name typed.
  submit.textContent = existing(input.value.trim()) ? 'Join' : 'Create';
}

/** A `rooms` frame: a page of the list of every room; the next is asked for until the last. */
export function onRooms(frame) {
  const page = Array.isArray(frame.rooms) ? frame.rooms.filter((r) => typeof r?.room === 'string') : [];
  for (const room of page) staff.setRules(room.room, room);
  gathering.push(...page);
  if (typeof frame.next === 'string' && link.send({ type: 'rooms', after: frame.next })) return;
  directory = gathering;
  gathering = [];
  reading = false;
  render();
  if (again) refresh();
}

/** The open room's "Leave room" button. */
function leaveCurrent() {
  const conversation = conversations.get(conversations.currentKey());
  if (conversation?.kind === 'room') link.send({ type: 'leave', room: conversation.name });
}

toggle.addEventListener('click', () => setOpen(panel.hidden));
input.addEventListener('input', () => {
  showError('');
  render();
});
$('room-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const name = input.value.trim();
  if (!NAME_RE.test(name)) {
    showError('A room name is 1–32 letters, digits, _ or - (no spaces).');
    input.focus();
    return;
  }
  const known = existing(name);
  ask(known ? 'join' : 'create', known ? known.room : name);
});
$('room-directory').addEventListener('click', (event) => {
  const button = event.target.closest('button[data-room]');
  if (!button) return;
  const { room } = button.dataset;
  if (conversations.has(conversations.roomKey(room))) {
    setOpen(false); // already a member: just open it
    navigate.choose(conversations.roomKey(room));
  } else {
    ask('join', room);
  }
});
panel.addEventListener('keydown', (event) => {
  if (event.key === 'Escape') {
    event.stopPropagation();
    setOpen(false);
    toggle.focus();
  }
});
$('leave-room').addEventListener('click', leaveCurrent);
