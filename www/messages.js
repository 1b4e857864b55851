// messages.js: the message lists. Each conversation has its own <ul>, kept in memory while another
// is shown, so that switching back finds its messages (and its scroll position) as they were;
// only the open one is in the page, inside #message-area.
//
// In each list: the edge at the top (items.js), then delivered items in `seq` order (an item is
// placed by its seq, so history pages, replays and live traffic may arrive in any order; a failed
// message keeps the place where it was written), then your own pending items in the order you
// wrote them. Between them, *decorations* worked out from the items (decorate): a heading before
// each day, and `grouped` on a message that continues its sender's within a few minutes; and, on
// opening a conversation with unread messages, a "New messages" divider above the first.
//
// Scrolling: the list follows new lines only if the reader was already at the bottom, else a
// "New messages" button appears; a reader at the bottom stays there when the list itself gets
// shorter (a banner or a line under the composer appearing); a reader near the top asks for older
// messages (history.js, through `nearTop`).

import * as days from './days.js';
import * as items from './items.js';
import * as me from './me.js';
import * as people from './people.js';
import { nameKey } from './rules.js';

const area = document.getElementById('message-area');
const jump = document.getElementById('jump');
const AT_BOTTOM_PX = 48; // within this distance of the end counts as "at the bottom"
const NEAR_TOP_PX = 80; // within this distance of the top, older messages are asked for

const lists = new Map(); // conversation key → its <ul>
const atBottom = new WeakMap(); // list → whether its reader was at the bottom when it last scrolled
const undecorated = new Set(); // lists changed quietly, decorated before the browser next paints
const waitingDivider = new Map(); // key → the unread ({count, after}) whose messages are still to come
let shown = null; // the key of the list in the page
let handlers = { nearTop() {}, older() {}, retry() {}, discard() {}, reachedEnd() {}, actions() {} };

/** nearTop(key), older(key): wants older messages; retry(id), discard(id): a failed message;
 * reachedEnd(key): scrolled to the newest message; actions(key, li, button): your message's menu. */
export function configure(given) {
  handlers = { ...handlers, ...given };
}

function listFor(key) {
  let list = lists.get(key);
  if (list) return list;
  list = items.el('ul', 'messages');
  list.dataset.testid = 'messages';
  list.dataset.key = key;
  list.tabIndex = 0; // so that the keyboard can scroll it
  list.setAttribute('aria-live', 'polite');
  list.setAttribute('aria-relevant', 'additions');
  list.append(items.edgeItem());
  list.addEventListener('scroll', () => onScroll(key, list));
  list.addEventListener('click', (event) => onClick(key, event));
  atBottom.set(list, true);
  // The list's own box shrinks when something appears below or above it; scroll offsets stay, so
  // without this the newest line would slide under the composer.
  new ResizeObserver(() => {
    if (key === shown && atBottom.get(list)) scrollToEnd();
  }).observe(list);
  lists.set(key, list);
  return list;
}

function onScroll(key, list) {
  if (key !== shown) return;
  atBottom.set(list, isAtBottom(list));
  if (isAtBottom(list)) {
    jump.hidden = true;
    handlers.reachedEnd(key);
  }
  if (list.scrollTop <= NEAR_TOP_PX) handlers.nearTop(key);
}

function onClick(key, event) {
  const button = event.target.closest('button[data-action]');
  if (!button) return;
  const id = button.closest('li')?.dataset.id;
  if (button.dataset.action === 'older') handlers.older(key);
  else if (button.dataset.action === 'retry' && id) handlers.retry(id);
  else if (button.dataset.action === 'discard' && id) handlers.discard(id);
  else if (button.dataset.action === 'actions') handlers.actions(key, button.closest('li'), button);
}

const isAtBottom = (list) => list.scrollHeight - list.scrollTop - list.clientHeight <= AT_BOTTOM_PX;

function scrollToEnd() {
  const list = lists.get(shown);
  if (list) {
    list.scrollTop = list.scrollHeight;
    atBottom.set(list, true);
  }
  jump.hidden = true;
}

/** Day headings, and which messages continue the one before (module comment). */
function decorate(list) {
  undecorated.delete(list);
  const firsts = new Map(); // the first item of each day → that day
  let day = null;
  let previous = null; // the message or notice before, for grouping
  for (const li of list.children) {
    if (li.classList.contains('divider')) previous = null; // a group never spans the divider
    if (li.dataset.ts === undefined) continue; // the edge, headings, the divider
    const ts = Number(li.dataset.ts);
    const today = days.dayOf(ts);
    if (today !== day) firsts.set(li, today);
    day = today;
    const continues = li.classList.contains('msg') && previous?.classList.contains('msg')
      && previous.dataset.from === li.dataset.from && days.closeInTime(Number(previous.dataset.ts), ts);
    li.classList.toggle('grouped', continues === true);
    previous = li;
  }
  // Only the headings that are wrong change, so that a screen reader hears each one once.
  for (const heading of list.querySelectorAll(':scope > .day')) {
    const next = heading.nextElementSibling;
    if (firsts.get(next) === heading.dataset.day) firsts.delete(next);
    else heading.remove();
  }
  for (const [li, today] of firsts) list.insertBefore(items.dayItem(today, days.dayLabel(Number(li.dataset.ts))), li);
}

/** Decorates `list` before the next paint, once however many items came in meanwhile. */
function decorateSoon(list) {
  if (undecorated.has(list)) return;
  undecorated.add(list);
  queueMicrotask(() => undecorated.has(list) && decorate(list));
}

const fromOthers = (li) => li.classList.contains('msg') && !li.classList.contains('mine') && li.dataset.seq !== undefined;

/**
 * The "New messages" divider above the first unread message: the first from others after seq
 * `unread.after` (the server's read position), or, without one, above the last `unread.count`
 * from others. None when nothing is unread. Returns it, so that the reader can be brought to it.
 */
function placeDivider(list, unread) {
  list.querySelector(':scope > .divider')?.remove();
  if (unread.count <= 0) return null;
  let first = null;
  if (unread.after !== null) {
    first = [...list.children].find((li) => fromOthers(li) && Number(li.dataset.seq) > unread.after) ?? null;
  } else {
    let count = 0;
    for (let li = list.lastElementChild; li && count < unread.count; li = li.previousElementSibling) {
      if (fromOthers(li)) {
        first = li;
        count += 1;
      }
    }
  }
  if (!first) return null;
  const divider = items.dividerItem();
  // Seated between seqs, so that a message arriving later still goes to its side of the line.
  divider.dataset.seq = String(Number(first.dataset.seq) - 0.5);
  list.insertBefore(divider, first);
  decorate(list);
  return divider;
}

/**
 * Whether what `key` holds reaches back to the read position `unread.after` with no hole: the
 * newest history page is in (`unread.paged`), or a message at or before the position is held.
 * Until then the held messages may be only a replay's tail, and the divider would sit too low.
 */
function joined(list, unread) {
  if (unread.after === null || unread.paged) return true;
  return [...list.children].some((li) => li.dataset.seq !== undefined && Number(li.dataset.seq) <= unread.after);
}

/** Brings the reader to the divider, near the top of the list. */
function openAt(list, divider) {
  const above = divider.getBoundingClientRect().top - list.getBoundingClientRect().top;
  list.scrollTop += above - 8;
  atBottom.set(list, isAtBottom(list));
  jump.hidden = isAtBottom(list);
}

/**
 * Puts `key`'s list in the page; `saved` ({top, atBottom}) is where its reader had scrolled, and
 * `unread` ({count, after, paged}) what came since they last read it: then it opens at the
 * divider. If those messages are not all here yet (a reload: history comes next), the divider
 * waits for them.
 */
export function show(key, saved, unread = { count: 0, after: null, paged: false }) {
  const list = listFor(key);
  area.replaceChildren(list);
  shown = key;
  jump.hidden = true;
  waitingDivider.delete(key);
  const divider = joined(list, unread) ? placeDivider(list, unread) : null;
  if (divider) {
    openAt(list, divider);
  } else if (unread.count > 0 && unread.after !== null) {
    waitingDivider.set(key, unread);
    scrollToEnd();
  } else if (saved && !saved.atBottom) {
    list.scrollTop = saved.top;
    atBottom.set(list, isAtBottom(list));
  } else scrollToEnd();
}

/** A page of `key`'s history came: a divider that had nothing to stand above is placed now. */
export function historyArrived(key) {
  const unread = waitingDivider.get(key);
  const list = lists.get(key);
  if (!unread || !list || key !== shown) return;
  const divider = placeDivider(list, unread);
  if (!divider) return;
  waitingDivider.delete(key);
  openAt(list, divider);
}

/** Whether the open list `key` is scrolled to its end: its newest message is in sight. */
export const atEnd = (key) => key === shown && lists.has(key) && isAtBottom(lists.get(key));

/** An empty page: no conversation open. */
export function showNone() {
  area.replaceChildren();
  shown = null;
  jump.hidden = true;
}

/** Where the open list's reader is, to come back to it later. */
export function scrollPlace(key) {
  const list = lists.get(key);
  return list ? { top: list.scrollTop, atBottom: isAtBottom(list) } : null;
}

/** Runs `change` (which adds items above), then keeps what the reader was looking at in place. */
export function keepingPlace(key, change) {
  const list = listFor(key);
  const fromBottom = list.scrollHeight - list.scrollTop;
  change();
  decorate(list); // now, so that the headings it adds are measured too
  list.scrollTop = list.scrollHeight - fromBottom;
}

/**
 * Runs `change`, which resizes the open list for a moment and back (the message box, measured at
 * one row on its way to its height), and puts the reader back where they were: at the end if they
 * were there, else at the same offset. The list's ResizeObserver is not enough here: in that
 * moment the taller list clamps its scroll offset, and the scroll event that follows would take a
 * reader at the end for one who had scrolled up.
 */
export function keepingPlaceAcrossResize(change) {
  const list = lists.get(shown);
  if (!list) return change();
  const follows = isAtBottom(list);
  const top = list.scrollTop;
  change();
  if (follows) scrollToEnd();
  else list.scrollTop = top;
}

/** Whether `key`'s list is too short to scroll (so that nobody can scroll to its top). */
export function fillsNoScreen(key) {
  const list = lists.get(key);
  return key === shown && list !== undefined && list.scrollHeight <= list.clientHeight;
}

/** Inserts a delivered item at its seq's place: after the last item with a lower seq. */
function insertBySeq(list, li, seq) {
  let before = list.querySelector(':scope > .outbox');
  let node = before ? before.previousElementSibling : list.lastElementChild;
  for (; node && !node.classList.contains('edge'); node = node.previousElementSibling) {
    if (node.dataset.seq === undefined) continue; // a notice or a failed message keeps its place
    if (Number(node.dataset.seq) < seq) break;
    before = node;
  }
  list.insertBefore(li, before);
}

/** Places a new item, following it if the reader was at the bottom (or `follow`). */
function place(key, insert, follow) {
  const list = listFor(key);
  const follows = key === shown && (follow || isAtBottom(list));
  insert(list);
  decorate(list);
  if (follows) scrollToEnd();
  else if (key === shown) jump.hidden = isAtBottom(list);
}

/** A delivered message; `quiet` ones (older history) never move the reader. */
export function addMessage(key, frame, { mine = false, quiet = false } = {}) {
  const from = String(frame.from);
  const li = items.messageItem(from, frame.deleted === true ? '' : String(frame.text), mine, me.isMe);
  items.setSender(li, people.label(from), from);
  items.markDelivered(li, frame);
  if (quiet) {
    const list = listFor(key);
    insertBySeq(list, li, frame.seq);
    decorateSoon(list);
  } else place(key, (list) => insertBySeq(list, li, frame.seq), mine);
}

/** One of your messages from the outbox: pending, or failed with `entry.failed` as the reason. */
export function addPending(key, entry, author) {
  const li = items.messageItem(author, entry.text, true, me.isMe);
  items.setSender(li, people.label(author), author);
  items.markPending(li, entry.id);
  li.dataset.ts = String(Date.now()); // until the server stamps it: written now, for its day
  if (entry.failed) items.markFailed(li, entry.failed);
  place(key, (list) => list.append(li), true);
}

/** Your message `id`, pending or failed (a delivered one has no id any more). */
function outboxItem(key, id) {
  const list = lists.get(key);
  if (!list) return null;
  return [...list.querySelectorAll(':scope > [data-id]')].find((li) => li.dataset.id === id) ?? null;
}

/** The server acknowledged `id` with `frame`: the item becomes delivered, at its seq. */
export function confirm(key, id, frame) {
  const li = outboxItem(key, id);
  if (!li) return false;
  items.markDelivered(li, frame);
  place(key, (list) => insertBySeq(list, li, frame.seq), false);
  return true;
}

export function fail(key, id, why) {
  const li = outboxItem(key, id);
  if (li) items.markFailed(li, why);
}

/** A failed message sent again: pending once more, so below everything delivered. */
export function setPending(key, id) {
  const li = outboxItem(key, id);
  if (!li) return;
  items.markPending(li, id);
  place(key, (list) => list.append(li), true);
}

export function removePending(key, id) {
  const li = outboxItem(key, id);
  if (!li) return;
  const list = li.parentElement;
  li.remove();
  decorate(list);
}

/** "bob joined" or "bob left"; a run of them becomes one line ("amir and 29 others joined"). */
export function addMembership(key, user, joined, ts) {
  const kind = joined ? 'joined' : 'left';
  place(key, (list) => {
    const outbox = list.querySelector(':scope > .outbox');
    const last = outbox ? outbox.previousElementSibling : list.lastElementChild;
    const sameDay = last?.dataset.ts !== undefined && days.dayOf(Number(last.dataset.ts)) === days.dayOf(ts);
    if (last?.dataset.kind === kind && sameDay && !last.names.includes(user)) {
      last.names.push(user);
      items.setMembership(last, ts);
    } else {
      const li = items.noticeItem('', ts);
      Object.assign(li.dataset, { kind });
      li.names = [user];
      items.setMembership(li, ts);
      list.insertBefore(li, outbox);
    }
  });
}

/** What the top of `key`'s list says (items.setEdge); `start`: what its beginning says. */
export function setEdge(key, state, start) {
  items.setEdge(listFor(key).querySelector(':scope > .edge'), state, start);
}

/** `key`'s list, if it has one (edits.js finds messages in it by seq). */
export const listOf = (key) => lists.get(key) ?? null;

/** Forgets `key`'s list (a room you left). */
export function forget(key) {
  lists.delete(key);
  if (shown === key) showNone();
}

/** Drops `key`'s delivered messages and notices, keeping your pending ones (reloaded next). */
export function clearDelivered(key) {
  const list = lists.get(key);
  if (!list) return;
  for (const li of list.querySelectorAll(':scope > :not(.outbox, .edge, [data-id])')) li.remove();
  setEdge(key, 'idle');
}

/** Empties everything: after a sign-out, one person's chat must not stay for whoever signs in next. */
export function clearAll() {
  lists.clear();
  showNone();
}

jump.addEventListener('click', scrollToEnd);
// Someone set a display name: their messages say it, wherever they are.
people.onRelabel((name) => {
  for (const list of lists.values()) {
    for (const li of list.querySelectorAll(':scope > .msg')) {
      if (nameKey(li.dataset.from) === nameKey(name)) items.setSender(li, people.label(name), li.dataset.from);
    }
  }
});
