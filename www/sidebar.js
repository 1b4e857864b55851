// sidebar.js: the sidebar's three lists, drawn from the state in conversations.js and people.js:
// "Direct messages" (your private conversations, the most recently active first, each with the
// person's presence dot), "Rooms" (your rooms by name) and "People" (you, then whoever shares a
// room with you and has no private conversation with you yet: online, offline and unknown). Each
// entry carries its unread count, marked when some mention you; the open one is marked. Every
// entry is a button, so the lists are in tab order; choosing one calls `choose(key)`.
//
// Finding one among many (a class has 30 people and 40 rooms): the filter at the top narrows all
// three lists as you type; Ctrl+K (or ⌘K) jumps to it from anywhere, Enter opens the first match,
// Escape clears it. An unread conversation scrolled out of sight below brings up "Unread below".
// Alt+ArrowUp / Alt+ArrowDown move to the previous / next entry from anywhere on the page. On a phone the sidebar is a drawer (opened from the header's button,
// closed by Close, Escape, the dimmed backdrop, or choosing a conversation); on a wide screen it
// stays beside the conversation. Names only ever go in through textContent.

import * as conversations from './conversations.js';
import * as me from './me.js';
import * as people from './people.js';
import * as staff from './staff.js';
import { el } from './items.js';
import { nameKey } from './rules.js';

const $ = (id) => document.getElementById(id);
const sidebar = $('sidebar');
const toggle = $('sidebar-toggle');
const scrim = $('scrim');
const NARROW = window.matchMedia('(max-width: 759px)'); // as in sidebar.css
const SHORTCUTS = 'Alt+ArrowUp Alt+ArrowDown';
const filter = $('side-filter');
const moreUnread = $('more-unread');
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

/** The unread count; marked `@` when some of them name you. */
function badge(count, mentions) {
  const span = el('span', mentions ? 'badge mention' : 'badge', mentions ? `@ ${count}` : String(count));
  span.dataset.testid = 'unread';
  span.append(el('span', 'visually-hidden', mentions ? ` unread, ${mentions} mentioning you` : ' unread'));
  span.hidden = count === 0;
  return span;
}

function entry(key, parts, unread, mentions = 0) {
  const button = el('button', 'conv');
  button.type = 'button';
  button.dataset.key = key;
  button.dataset.testid = 'conversation';
  button.dataset.unread = String(unread);
  button.dataset.mentions = String(mentions);
  button.setAttribute('aria-keyshortcuts', SHORTCUTS);
  if (key === conversations.currentKey()) button.setAttribute('aria-current', 'true');
  button.append(...parts, badge(unread, mentions));
  const li = el('li');
  li.append(button);
  return li;
}

function roomEntry(room) {
  const li = entry(room.key, [el('span', 'sigil', '#'), el('span', 'name', room.name)], room.unread, room.mentions);
  li.firstChild.dataset.name = room.name;
  return li;
}

function personEntry(person) {
  const key = conversations.dmKey(person.name);
  const state = String(people.onlineState(person.name));
  const dot = el('span', 'dot');
  dot.title = STATE_WORDS[state];
  const label = people.label(person.name);
  const shown = el('span', 'name', label);
  if (label !== person.name) shown.title = `@${person.name}`;
  const parts = [dot, shown, el('span', 'visually-hidden', ` (${STATE_WORDS[state]})`)];
  const role = staff.badgeOf(person.name);
  if (role) parts.push(role);
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
  const wanted = nameKey(filter.value.trim());
  const shows = (name) => nameKey(name).includes(wanted) || people.label(name).toLowerCase().includes(wanted);
  const dms = conversations.dms().filter((c) => !me.isMe(c.name) && shows(c.name));
  const talking = new Set(dms.map((c) => c.key));
  const rooms = conversations.rooms().filter((room) => shows(room.name));
  const others = people.list().filter((p) => !talking.has(conversations.dmKey(p.name)) && shows(p.name));
  $('dm-list').replaceChildren(...dms.map((c) => personEntry({ name: c.name })));
  $('dms-section').hidden = dms.length === 0;
  $('room-list').replaceChildren(...rooms.map(roomEntry));
  $('people-list').replaceChildren(...others.map(personEntry));
  $('people-list').closest('section').hidden = others.length === 0 && wanted !== '';
  $('side-filter-none').hidden = wanted === '' || dms.length + rooms.length + others.length > 0;
  if (focused) sidebar.querySelector(`button[data-key="${CSS.escape(focused)}"]`)?.focus();
  showMoreUnread();
  const total = conversations.totalUnread();
  const counter = $('unread-total');
  counter.textContent = String(total);
  counter.hidden = total === 0;
  toggle.setAttribute('aria-label', total ? `Rooms and people, ${total} unread` : 'Rooms and people');
}

/** "Unread below" while an entry with unread messages is below the sidebar's visible part. */
function showMoreUnread() {
  const bottom = sidebar.getBoundingClientRect().bottom;
  const below = [...sidebar.querySelectorAll('button.conv:not([data-unread="0"])')]
    .find((button) => button.getBoundingClientRect().bottom > bottom); // cut off, or further down
  moreUnread.hidden = below === undefined;
  return below;
}

function schedule() {
  if (scheduled) return;
  scheduled = true;
  queueMicrotask(render);
}
conversations.onChange(schedule);
people.onChange(schedule);
staff.onChange(schedule); // the owner and mod marks

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

/** Empties the filter (a sign-out: the next person starts with every conversation shown). */
export function clearFilter() {
  filter.value = '';
  schedule();
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
sidebar.addEventListener('scroll', () => {
  if (!moreUnread.hidden || sidebar.querySelector('button.conv:not([data-unread="0"])')) showMoreUnread();
}, { passive: true });
moreUnread.addEventListener('click', () => {
  const below = showMoreUnread();
  below?.scrollIntoView({ block: 'center' });
  below?.focus();
});

filter.addEventListener('input', schedule);
filter.addEventListener('keydown', (event) => {
  if (event.key === 'Enter') {
    event.preventDefault();
    const first = sidebar.querySelector('.conv-list button.conv');
    if (!first) return;
    filter.value = '';
    choose(first.dataset.key);
  } else if (event.key === 'Escape' && filter.value !== '') {
    event.stopPropagation(); // the first Escape clears; the next closes the drawer
    filter.value = '';
    schedule();
  } else if (event.key === 'ArrowDown') {
    event.preventDefault();
    sidebar.querySelector('.conv-list button.conv')?.focus();
  }
});

/** Ctrl+K / ⌘K: the filter, from anywhere in the chat (the drawer opened on a phone). */
function jumpToFilter(event) {
  if (!(event.ctrlKey || event.metaKey) || event.altKey || event.key.toLowerCase() !== 'k') return false;
  if ($('chat').hidden || document.querySelector('dialog[open]')) return false;
  event.preventDefault();
  openDrawer();
  filter.focus();
  filter.select();
  return true;
}
toggle.addEventListener('click', () => (sidebar.classList.contains('open') ? closeDrawer() : openDrawer()));
$('sidebar-close').addEventListener('click', () => closeDrawer({ refocus: true }));
scrim.addEventListener('click', () => closeDrawer({ refocus: true }));
// A phone turned sideways becomes a wide screen: no drawer left open over nothing.
NARROW.addEventListener('change', () => closeDrawer());

document.addEventListener('keydown', (event) => {
  if (jumpToFilter(event)) return;
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
