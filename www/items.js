// items.js: the elements of a message list, built and changed here and nowhere else: a message
// (delivered, pending or failed; edited or deleted), a quiet notice ("bob joined"), a day's heading ("Yesterday"),
// the "New messages" divider, and the *edge* at the top of each list that says whether older
// messages can be loaded. User text only ever goes in through textContent (text.js builds links
// and mentions as elements), never innerHTML.

import { clock } from './days.js';
import { textNodes } from './text.js';

export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function timeEl() {
  const time = el('time', 'time');
  time.dataset.testid = 'message-time';
  return time;
}

function setTime(time, ts) {
  if (!Number.isFinite(ts)) return; // the server always sets ts; stay calm if it did not
  const date = new Date(ts);
  time.dateTime = date.toISOString();
  time.title = date.toLocaleString();
  time.textContent = clock(ts);
  // The list's days and groups (messages.js) are worked out from this.
  const li = time.closest('li');
  if (li) li.dataset.ts = String(ts);
  // A message grouped under its sender's previous one hides its time: the bubble tells it.
  const bubble = li?.querySelector('.bubble');
  if (bubble) bubble.title = time.title;
}

/**
 * A message bubble from `from`; `mine` puts it on the right; `isMe(name)` marks the reader's own
 * @-mentions. Its state is set by the caller.
 */
export function messageItem(from, text, mine, isMe) {
  const li = el('li', mine ? 'msg mine' : 'msg');
  li.dataset.testid = 'message';
  li.dataset.from = from;
  const bubble = el('div', 'bubble');
  const meta = el('p', 'meta');
  const sender = el('span', 'from', from);
  sender.dataset.testid = 'message-from';
  const state = el('span', 'state');
  state.dataset.testid = 'message-state';
  meta.append(sender, ' ', timeEl(), state);
  const body = el('p', 'text');
  body.append(...textNodes(text, isMe));
  body.dataset.testid = 'message-text';
  bubble.append(meta, body);
  // Your own messages can be edited or deleted for a while; owners and moderators delete anyone's
  // (edits.js shows the menu; the CSS shows the button on others' messages to the staff only).
  const actions = el('button', 'msg-actions', '⋯');
  actions.type = 'button';
  actions.dataset.action = 'actions';
  actions.dataset.testid = 'message-actions';
  actions.setAttribute('aria-label', mine ? 'Edit or delete this message' : 'Delete this message');
  actions.setAttribute('aria-haspopup', 'menu');
  actions.setAttribute('aria-expanded', 'false');
  bubble.append(actions);
  li.append(bubble);
  li.isMe = isMe;
  li.rawText = text; // as written: what an edit starts from (the shown text may have "(edited)")
  return li;
}

/** The message's text is now `text` (an edit), its links and @-mentions made again. */
export function setText(li, text) {
  li.rawText = text;
  li.querySelector('.text').replaceChildren(...textNodes(text, li.isMe ?? (() => false)));
}

/** Edited at `ts` (ms): "(edited)" after its text, the edit's time in its tooltip. */
export function setEdited(li, ts) {
  let mark = li.querySelector('.edited');
  if (!mark) {
    mark = el('span', 'edited', '(edited)');
    mark.dataset.testid = 'message-edited';
    li.querySelector('.text').append(' ', mark);
  }
  if (Number.isFinite(ts)) mark.title = `Edited ${new Date(ts).toLocaleString()}`;
}

/** Deleted: a quiet stub keeps its place, its sender and its time; no text, no menu. */
export function setDeleted(li) {
  li.classList.add('deleted');
  li.dataset.deleted = 'true';
  li.querySelector('.edited')?.remove();
  li.querySelector('.msg-actions')?.remove();
  li.rawText = '';
  li.querySelector('.text').replaceChildren('message deleted');
}

/** A change of yours on its way (`label`: "saving…"), or none (''). */
export function setChangePending(li, label) {
  li.dataset.change = label ? 'pending' : '';
  li.querySelector('.state').textContent = label;
}

function setState(li, state, label) {
  li.dataset.state = state;
  li.querySelector('.state').textContent = label;
  li.querySelector('.failure')?.remove();
  // Pending items stay below the delivered ones, in the order they were written; a failed one
  // keeps its place among them (messages.js), so that newer messages do not pile up above it.
  li.classList.toggle('outbox', state === 'pending');
}

/**
 * Who a message is from, as shown: their display name `label`, with the account name beside it
 * (muted) when the two differ, so that two people of one display name can be told apart.
 */
export function setSender(li, label, account) {
  const sender = li.querySelector('.from');
  sender.textContent = label;
  if (label !== account) sender.append(' ', el('span', 'account', `@${account}`));
}

/** Stored for good: it has its seq and the server's time (and, from history, its changes). */
export function markDelivered(li, frame) {
  li.dataset.seq = String(frame.seq);
  delete li.dataset.id;
  setTime(li.querySelector('time'), frame.ts);
  setState(li, 'delivered', '');
  li.removeAttribute('title');
  if (frame.deleted === true) setDeleted(li);
  else if (Number.isFinite(frame.edited)) setEdited(li, frame.edited);
}

/** Written here, not yet acknowledged: `id` is its outbox id. */
export function markPending(li, id) {
  li.dataset.id = id;
  setState(li, 'pending', 'sending…');
  li.title = 'Waiting for the server; it is sent again by itself after a reconnect.';
}

/** Refused by the server: says why, and offers to send it again or to drop it. */
export function markFailed(li, why) {
  setState(li, 'failed', 'not sent');
  li.title = why;
  const failure = el('p', 'failure');
  const reason = el('span', 'why', why);
  reason.dataset.testid = 'message-failure';
  const retry = el('button', 'quiet', 'Retry');
  retry.type = 'button';
  retry.dataset.action = 'retry';
  retry.dataset.testid = 'message-retry';
  const discard = el('button', 'quiet', 'Discard');
  discard.type = 'button';
  discard.dataset.action = 'discard';
  discard.dataset.testid = 'message-discard';
  failure.append(reason, retry, discard);
  li.querySelector('.bubble').append(failure);
}

/** A quiet, centred line such as "bob joined". */
export function noticeItem(text, ts) {
  const li = el('li', 'notice');
  li.dataset.testid = 'notice';
  li.append(el('span', 'notice-text', text));
  if (ts !== undefined) {
    const time = timeEl();
    li.append(' ', time);
    setTime(time, ts);
  }
  return li;
}

const SHOWN_NAMES = 3; // a run of joins names this many people, then counts the rest

/** A membership notice (`li.names`, `li.dataset.kind`) says who, as of the latest at `ts`. */
export function setMembership(li, ts) {
  const { names } = li;
  let who;
  if (names.length <= SHOWN_NAMES) {
    who = names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
  } else {
    const others = names.length - 1;
    who = `${names[0]} and ${others} others`;
  }
  li.querySelector('.notice-text').textContent = `${who} ${li.dataset.kind}`;
  li.title = names.length > SHOWN_NAMES ? `${names.slice(0, 60).join(', ')}${names.length > 60 ? ', …' : ''}` : '';
  setTime(li.querySelector('time'), ts);
}

/** The heading of a day's messages: "Today", "Yesterday", a date. */
export function dayItem(day, label) {
  const li = el('li', 'day');
  li.dataset.testid = 'day';
  li.dataset.day = day;
  li.setAttribute('role', 'separator');
  li.append(el('span', 'day-text', label));
  return li;
}

/** The line above the first message you had not read when you opened the conversation. */
export function dividerItem() {
  const li = el('li', 'divider');
  li.dataset.testid = 'new-divider';
  li.setAttribute('role', 'separator');
  li.append(el('span', 'divider-text', 'New messages'));
  return li;
}

// What the top of a list says: loading, a button for older messages, or that there are none.
const EDGES = {
  idle: null,
  loading: 'Loading older messages…',
  more: 'Load older messages',
  start: 'Beginning of the conversation',
  truncated: 'Older messages are no longer kept',
  failed: 'Could not load older messages. Try again',
};

export function edgeItem() {
  const li = el('li', 'edge');
  li.dataset.testid = 'history-edge';
  setEdge(li, 'idle');
  return li;
}

/** state: idle | loading | more | start | truncated | failed; `start` says what it is the start of. */
export function setEdge(li, state, start = EDGES.start) {
  li.dataset.state = state;
  const text = state === 'start' ? start : EDGES[state];
  if (state === 'more' || state === 'failed') {
    // A button, so that keyboard users reach older messages without scrolling.
    const button = el('button', 'quiet', text);
    button.type = 'button';
    button.dataset.action = 'older';
    li.replaceChildren(button);
  } else {
    li.replaceChildren(...(text ? [el('span', 'edge-text', text)] : []));
  }
}
