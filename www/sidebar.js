// sidebar.js: the sidebar's two lists, drawn from the state in conversations.js and people.js:
// "Rooms" (your rooms, each with its unread count, the open one marked) and "People" (you, then
// online, offline and unknown, each with a presence dot and the unread count of your private
// conversation with them). Every entry is a button, so the lists are in tab order; choosing one
// calls `choose(key)`. Alt+ArrowUp / Alt+ArrowDown move to the previous / next entry from
// anywhere on the page. On a phone the sidebar is a drawer (opened from the header's button,
// closed by Close, Escape, the dimmed backdrop, or choosing a conversation); on a wide screen it
// stays beside the conversation. Names only ever go in through textContent.

import * as conversations from './conversations.js';
import * as me from './me.js';
import * as people from './people.js';
import { el } from './items.js';

const $ = (id) => document.getElementById(id);
const sidebar = $('sidebar');
const toggle = $('sidebar-toggle');
const scrim = $('scrim');
const NARROW = window.matchMedia('(max-width: 759px)'); // as in sidebar.css
const SHORTCUTS = 'Alt+ArrowUp Alt+ArrowDown';
const STATE_WORDS = { true: 'online', false: 'offline', null: 'presence unknown' };

let choose = () => {};
let scheduled = false;
let focusKey = null; // after Alt+Arrow from inside the sidebar: the entry to put the keyboard on

/** Whether the page is laid out for a phone (the sidebar is a drawer). */
export const isNarrow = () => NARROW.matches;

/** choose(key): the person picked the conversation `key` ('r/math', 'd/bob'). */
export function configure(handlers) {
  choose = handlers.choose;
}

function badge(count) {
  const span = el('span', 'badge', String(count));
  span.dataset.testid = 'unread';
  span.append(el('span', 'visually-hidden', ' unread'));
  span.hidden = count === 0;
  return span;
}

function entry(key, parts, unread) {
  const button = el('button', 'conv');
  button.type = 'button';
  button.dataset.key = key;
  button.dataset.testid = 'conversation';
  button.dataset.unread = String(unread);
  button.setAttribute('aria-keyshortcuts', SHORTCUTS);
  if (key === conversations.currentKey()) button.setAttribute('aria-current', 'true');
  button.append(...parts, badge(unread));
  const li = el('li');
  li.append(button);
  return li;
}

function roomEntry(room) {
  const li = entry(room.key, [el('span', 'sigil', '#'), el('span', 'name', room.name)], room.unread);
  li.firstChild.dataset.name = room.name;
  return li;
}

function personEntry(person) {
  const key = conversations.dmKey(person.name);
  const state = String(person.online);
  const dot = el('span', 'dot');
  dot.title = STATE_WORDS[state];
  const parts = [dot, el('span', 'name', person.name), el('span', 'visually-hidden', ` (${STATE_WORDS[state]})`)];
  if (me.isMe(person.name)) parts.push(el('span', 'you', 'you'));
  const li = entry(key, parts, conversations.get(key)?.unread ?? 0);
  Object.assign(li.firstChild.dataset, { name: person.name, online: state, testid: 'person' });
  return li;
}

function render() {
  scheduled = false;
  // Redrawing replaces the buttons: keep the keyboard on the one it was on.
  const focused = focusKey ?? (sidebar.contains(document.activeElement) ? document.activeElement.dataset.key : undefined);
  focusKey = null;
  $('room-list').replaceChildren(...conversations.rooms().map(roomEntry));
  $('people-list').replaceChildren(...people.list().map(personEntry));
  if (focused) sidebar.querySelector(`button[data-key="${CSS.escape(focused)}"]`)?.focus();
  const total = conversations.totalUnread();
  const counter = $('unread-total');
  counter.textContent = String(total);
  counter.hidden = total === 0;
  toggle.setAttribute('aria-label', total ? `Rooms and people, ${total} unread` : 'Rooms and people');
  document.title = total ? `(${total}) threadchat` : 'threadchat';
}

function schedule() {
  if (scheduled) return;
  scheduled = true;
  queueMicrotask(render);
}
conversations.onChange(schedule);
people.onChange(schedule);

/** The conversations in the order the sidebar shows them. */
const order = () => [...sidebar.querySelectorAll('button.conv')].map((b) => b.dataset.key);

// What the open drawer covers: out of reach of the keyboard and screen readers meanwhile.
const covered = () => [document.querySelector('.topbar'), $('banner'), document.querySelector('.conversation')];

function openDrawer() {
  if (!NARROW.matches) return;
  sidebar.classList.add('open');
  scrim.hidden = false;
  for (const node of covered()) node.inert = true;
  toggle.setAttribute('aria-expanded', 'true');
  (sidebar.querySelector('[aria-current="true"]') ?? $('sidebar-close')).focus();
}

/** Closes the drawer (phones); `refocus` puts the keyboard back on the header's button. */
export function closeDrawer({ refocus = false } = {}) {
  if (!sidebar.classList.contains('open')) return;
  sidebar.classList.remove('open');
  scrim.hidden = true;
  for (const node of covered()) node.inert = false;
  toggle.setAttribute('aria-expanded', 'false');
  if (refocus) toggle.focus();
}

sidebar.addEventListener('click', (event) => {
  const button = event.target.closest('button.conv');
  if (button) choose(button.dataset.key);
});
toggle.addEventListener('click', () => (sidebar.classList.contains('open') ? closeDrawer() : openDrawer()));
$('sidebar-close').addEventListener('click', () => closeDrawer({ refocus: true }));
scrim.addEventListener('click', () => closeDrawer({ refocus: true }));
// A phone turned sideways becomes a wide screen: no drawer left open over nothing.
NARROW.addEventListener('change', () => closeDrawer());

document.addEventListener('keydown', (event) => {
  if (event.key === 'Escape' && sidebar.classList.contains('open')) {
    closeDrawer({ refocus: true });
    return;
  }
  if (!event.altKey || event.ctrlKey || event.metaKey) return;
  if (event.key !== 'ArrowUp' && event.key !== 'ArrowDown') return;
  if ($('chat').hidden || document.querySelector('dialog[open]')) return; // not under a dialog
  const keys = order();
  if (keys.length === 0) return;
  event.preventDefault();
  const at = keys.indexOf(conversations.currentKey());
  const step = event.key === 'ArrowUp' ? -1 : 1;
  const next = at < 0 ? 0 : (at + step + keys.length) % keys.length;
  if (sidebar.contains(document.activeElement)) focusKey = keys[next];
  choose(keys[next]);
});
