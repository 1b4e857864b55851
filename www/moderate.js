// moderate.js: what owners and moderators do from the page (PROTOCOL.md §4 "Teacher tools"), and
// the frames that tell of it. Each action is a frame with an id ("mod-N"); its answer (the frame
// that announces it, once the server has stored it) or its refusal comes back with that id, and
// settles the promise `request` gave. The controls:
//   - on a person (the header of your private conversation with them): Mute for 10 minutes, 1
//     hour or until lifted, Unmute, Reset password (the code shown once, with Copy), Suspend (with
//     a confirmation, optionally deleting all they sent), Unsuspend, and for owners Make
//     moderator / Remove moderator;
//   - on a room (its header): Room settings, read-only and slow mode (class-panel.js);
//   - Delete on anyone's message, at any time (edits.js asks `staff.moderates()`);
//   - Class settings in the account menu: registration, who is connected, the log (class-panel.js).
// The buttons are there only for owners and moderators; the server decides anyway.

import * as conversations from './conversations.js';
import * as link from './link.js';
import * as me from './me.js';
import * as staff from './staff.js';
import { clock } from './days.js';
import { sentence } from './rules.js';

const $ = (id) => document.getElementById(id);
const personButton = $('person-actions');
const personMenu = $('person-menu');
const note = $('staff-note');
const waiting = new Map(); // id → { resolve }
let counter = 0;

/**
 * Sends an action; resolves to its answer, or to `{ type: 'error', ... }` (a refusal, or not
 * connected). Never rejects.
 */
export function request(frame) {
  counter += 1;
  const id = `mod-${counter}`;
  return new Promise((resolve) => {
    if (!link.send({ ...frame, id })) {
      resolve({ type: 'error', code: 'offline', message: 'Not connected; try again when the connection is back.' });
      return;
    }
    waiting.set(id, { resolve });
  });
}

/** A frame answering one of ours (by its id): settles it; true if it was ours. */
export function settle(frame) {
  const entry = typeof frame.id === 'string' ? waiting.get(frame.id) : undefined;
  if (!entry) return false;
  waiting.delete(frame.id);
  entry.resolve(frame);
  return true;
}

/** The connection was lost: nothing still waiting will be answered. */
export function abandon() {
  for (const [id, entry] of waiting) {
    waiting.delete(id);
    entry.resolve({ type: 'error', code: 'offline', message: 'The connection was lost before the answer.' });
  }
}

/** Says `text` in the header for a few seconds (what an action did, or why it was refused). */
export function say(text) {
  note.textContent = text;
  clearTimeout(say.timer);
  say.timer = setTimeout(() => { note.textContent = ''; }, 6000);
}

/** The sentence for a refusal, or '' for an answer. */
export function refusal(answer) {
  return answer.type === 'error' ? sentence(answer.message) || `Refused (${answer.code}).` : '';
}

// ---- the person menu -------------------------------------------------------------------------

/** The person whose private conversation is open, if you may act on them. */
function openPerson() {
  const conversation = conversations.get(conversations.currentKey());
  if (!staff.moderates() || conversation?.kind !== 'dm' || me.isMe(conversation.name)) return null;
  return conversation.name;
}

/** Shows the controls that fit what is open and who you are (navigate.js calls this too). */
export function renderControls() {
  const person = openPerson();
  personButton.hidden = person === null;
  if (person === null) closeMenu();
  const conversation = conversations.get(conversations.currentKey());
  $('room-settings').hidden = !(staff.moderates() && conversation?.kind === 'room');
  $('open-class').hidden = !staff.moderates();
  for (const item of personMenu.querySelectorAll('[data-act="role"]')) {
    const target = person ? staff.roleOf(person) : 'member';
    item.hidden = !staff.isOwner() || target === 'owner' || target === item.dataset.role;
  }
}

const menuItems = () => [...personMenu.querySelectorAll('[role="menuitem"]:not([hidden])')];

function openMenu() {
  personMenu.hidden = false;
  personButton.setAttribute('aria-expanded', 'true');
  menuItems()[0]?.focus();
}

function closeMenu({ refocus = false } = {}) {
  if (personMenu.hidden) return;
  personMenu.hidden = true;
  personButton.setAttribute('aria-expanded', 'false');
  if (refocus) personButton.focus();
}

const MINUTES = { 10: 'for 10 minutes', 60: 'for an hour', 0: 'until you unmute them' };

/** Carries out a chosen item on `user`. */
async function act(item, user) {
  const kind = item.dataset.act;
  if (kind === 'suspend') return askSuspend(user);
  if (kind === 'reset') return showResetCode(user);
  const frame = {
    mute: { type: 'mute', user, minutes: Number(item.dataset.minutes) },
    unmute: { type: 'unmute', user },
    unsuspend: { type: 'unsuspend', user },
    role: { type: 'role', user, role: item.dataset.role },
  }[kind];
  const answer = await request(frame);
  const done = {
    mute: () => `${user} is muted ${MINUTES[item.dataset.minutes]}.`,
    unmute: () => `${user} can write again.`,
    unsuspend: () => `${user} can sign in again.`,
    role: () => `${user} is now ${item.dataset.role === 'member' ? 'a member' : 'a moderator'}.`,
  }[kind];
  say(refusal(answer) || done());
}

personButton.addEventListener('click', () => (personMenu.hidden ? openMenu() : closeMenu({ refocus: true })));
personMenu.addEventListener('click', (event) => {
  const item = event.target.closest('[role="menuitem"]');
  const user = openPerson();
  closeMenu({ refocus: true });
  if (item && user) act(item, user);
});
personMenu.addEventListener('keydown', (event) => {
  const all = menuItems();
  const at = all.indexOf(document.activeElement);
  const moves = { ArrowDown: 1, ArrowUp: -1 };
  if (event.key === 'Escape' || event.key === 'Tab') {
    if (event.key === 'Escape') event.preventDefault();
    return closeMenu({ refocus: event.key === 'Escape' });
  }
  if (!(event.key in moves)) return;
  event.preventDefault();
  all[(at + moves[event.key] + all.length) % all.length]?.focus();
});
document.addEventListener('pointerdown', (event) => {
  if (!personMenu.hidden && !personMenu.contains(event.target) && event.target !== personButton) closeMenu();
});

// ---- suspending, and reset codes --------------------------------------------------------------

const suspendDialog = $('suspend-dialog');
let suspending = '';

function askSuspend(user) {
  suspending = user;
  $('suspend-name').textContent = user;
  $('suspend-delete').checked = false;
  suspendDialog.returnValue = '';
  suspendDialog.showModal();
  suspendDialog.querySelector('[value="cancel"]').focus();
}

suspendDialog.addEventListener('close', async () => {
  if (suspendDialog.returnValue !== 'confirm') return personButton.focus();
  const deleting = $('suspend-delete').checked;
  const answer = await request({ type: 'suspend', user: suspending, delete_messages: deleting });
  say(refusal(answer) || `${suspending} is suspended${deleting ? ', and their messages are deleted' : ''}.`);
});

const resetDialog = $('reset-dialog');

async function showResetCode(user) {
  const answer = await request({ type: 'reset_code', user });
  if (answer.type !== 'reset_code') return say(refusal(answer));
  $('reset-name').textContent = user;
  $('reset-code').textContent = String(answer.code);
  $('reset-expires').textContent = clock(answer.expires);
  $('reset-copy').textContent = 'Copy';
  resetDialog.showModal();
  $('reset-copy').focus();
}

$('reset-copy').addEventListener('click', async () => {
  try {
    await navigator.clipboard.writeText($('reset-code').textContent);
    $('reset-copy').textContent = 'Copied';
  } catch {
    // No clipboard (an insecure origin): select it, for Ctrl+C.
    getSelection().selectAllChildren($('reset-code'));
    $('reset-copy').textContent = 'Press Ctrl+C';
  }
});
resetDialog.addEventListener('close', () => {
  $('reset-code').textContent = ''; // shown once: not left in the page
  personButton.focus();
});

staff.onChange(renderControls);
