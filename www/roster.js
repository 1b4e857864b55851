// roster.js: the open room's member list. The header's "N members" button opens it under the
// header: everyone in the room (members.js knows them), online first, each a button that opens a
// private conversation with that person. It follows the open conversation, joins, leaves and
// presence; Escape or the button closes it. Names only ever go in through textContent.

import * as conversations from './conversations.js';
import * as me from './me.js';
import * as members from './members.js';
import * as people from './people.js';
import * as staff from './staff.js';
import { el } from './items.js';

const $ = (id) => document.getElementById(id);
const toggle = $('roster-toggle');
const panel = $('roster');
const RANK = { true: 0, false: 1, null: 2 }; // online, then offline, then unknown

let choose = () => {};

/** choose(key): the person picked someone to write to ('d/bob'). */
export function configure(handlers) {
  choose = handlers.choose;
}

const openRoom = () => {
  const conversation = conversations.get(conversations.currentKey());
  return conversation?.kind === 'room' ? conversation : null;
};

function memberEntry(name) {
  const online = String(people.onlineState(name));
  const button = el('button', 'conv');
  button.type = 'button';
  button.dataset.key = conversations.dmKey(name);
  Object.assign(button.dataset, { name, online, testid: 'roster-member' });
  const parts = [el('span', 'dot'), el('span', 'name', people.label(name))];
  const role = staff.badgeOf(name);
  if (role) parts.push(role);
  if (me.isMe(name)) parts.push(el('span', 'you', 'you'));
  button.append(...parts);
  const li = el('li');
  li.append(button);
  return li;
}

function render() {
  const room = openRoom();
  toggle.hidden = room === null;
  if (!room) {
    close();
    return;
  }
  const names = members.of(room.name).sort((a, b) =>
    RANK[people.onlineState(a)] - RANK[people.onlineState(b)] || a.localeCompare(b, 'en', { sensitivity: 'base' }));
  const count = `${names.length} ${names.length === 1 ? 'member' : 'members'}`;
  toggle.textContent = count;
  toggle.setAttribute('aria-label', `${count} in #${room.name}`);
  if (panel.hidden) return;
  $('roster-heading').textContent = `In #${room.name}`;
  $('roster-list').replaceChildren(...names.map(memberEntry));
}

function close({ refocus = false } = {}) {
  if (panel.hidden) return;
  panel.hidden = true;
  toggle.setAttribute('aria-expanded', 'false');
  if (refocus) toggle.focus();
}

function open() {
  panel.hidden = false;
  toggle.setAttribute('aria-expanded', 'true');
  render();
  panel.querySelector('button')?.focus();
}

let scheduled = false;
function schedule() {
  if (scheduled) return;
  scheduled = true;
  queueMicrotask(() => {
    scheduled = false;
    render();
  });
}

members.onChange(schedule);
people.onChange(schedule);
let shownKey = null;
conversations.onChange(() => {
  // Another conversation opened: the list of the previous room closes.
  if (conversations.currentKey() !== shownKey) close();
  shownKey = conversations.currentKey();
  schedule();
});
toggle.addEventListener('click', () => (panel.hidden ? open() : close()));
panel.addEventListener('click', (event) => {
  const button = event.target.closest('button.conv');
  if (!button) return;
  close();
  choose(button.dataset.key);
});
panel.addEventListener('keydown', (event) => {
  if (event.key !== 'Escape') return;
  event.stopPropagation();
  close({ refocus: true });
});
