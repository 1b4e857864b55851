// messages.js: the message list, <ul id="messages">: chat messages, your own pending ones,
// quiet join/leave notices, and the scrolling rule (follow the newest line only if the reader
// was already at the bottom; otherwise offer a "New messages" button).
//
// Your own message is shown at once as *pending*, then marked delivered when the server's echo
// with the same `id` arrives, or *failed* if the connection drops first. Pending items always stay
// last, and every delivered item is inserted before them, so the list stays in `seq` order.
// User text only ever goes in through textContent, never innerHTML.

const list = document.getElementById('messages');
const jump = document.getElementById('jump');
const AT_BOTTOM_PX = 48; // within this distance of the end counts as "at the bottom"

const pad = (n) => String(n).padStart(2, '0');

/** Local wall-clock time of a server timestamp (ms since the epoch), as HH:MM. */
export function formatTime(ts) {
  const date = new Date(ts);
  return `${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function timeEl(ts) {
  const time = el('time', 'time');
  time.dataset.testid = 'message-time';
  if (ts !== undefined) setTime(time, ts);
  return time;
}

function setTime(time, ts) {
  if (!Number.isFinite(ts)) return; // the server always sets ts; stay calm if it did not
  const date = new Date(ts);
  time.dateTime = date.toISOString();
  time.title = date.toLocaleString();
  time.textContent = formatTime(ts);
}

function isAtBottom() {
  return list.scrollHeight - list.scrollTop - list.clientHeight <= AT_BOTTOM_PX;
}

export function scrollToEnd() {
  list.scrollTop = list.scrollHeight;
  jump.hidden = true;
}

/** Inserts a delivered item before the first pending one, keeping the reader's place. */
function place(li, { follow = false } = {}) {
  const follows = follow || isAtBottom();
  list.insertBefore(li, list.querySelector(':scope > [data-state="pending"]'));
  if (follows) scrollToEnd();
  else jump.hidden = false;
}

function messageItem(from, text, mine) {
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
  const body = el('p', 'text', text);
  body.dataset.testid = 'message-text';
  bubble.append(meta, body);
  li.append(bubble);
  return li;
}

function setState(li, state, label) {
  li.dataset.state = state;
  li.querySelector('.state').textContent = label;
}

function markDelivered(li, frame) {
  li.dataset.seq = frame.seq;
  setTime(li.querySelector('time'), frame.ts);
  setState(li, 'delivered', '');
}

/** A message from the server (anyone's, or yours without a matching pending item). */
export function addMessage(frame, mine) {
  const li = messageItem(String(frame.from), String(frame.text), mine);
  markDelivered(li, frame);
  place(li, { follow: mine });
}

/** Your own message, shown at once and dimmed until its echo arrives. */
export function addPending(id, from, text) {
  const li = messageItem(from, text, true);
  li.dataset.id = id;
  setState(li, 'pending', 'sending…');
  list.append(li);
  scrollToEnd();
}

function pendingItem(id) {
  for (const li of list.querySelectorAll(':scope > [data-state="pending"]')) {
    if (li.dataset.id === id) return li;
  }
  return null;
}

/** The echo of your message `frame.id` arrived: mark it delivered. False if none was pending. */
export function confirm(frame) {
  const li = typeof frame.id === 'string' ? pendingItem(frame.id) : null;
  if (!li) return false;
  const follows = isAtBottom();
  markDelivered(li, frame);
  list.insertBefore(li, list.querySelector(':scope > [data-state="pending"]'));
  if (follows) scrollToEnd();
  return true;
}

function markFailed(li, why) {
  setState(li, 'failed', 'not sent');
  li.title = why;
}

/** Every message still pending will never be echoed (the connection is gone). */
export function failAllPending(why) {
  for (const li of list.querySelectorAll(':scope > [data-state="pending"]')) markFailed(li, why);
}

/** The server refused your message `id` (its error frame names it). */
export function failPending(id, why) {
  const li = pendingItem(id);
  if (li) markFailed(li, why);
}

/**
 * The server refused one of your sends without naming it (a frame with no readable id), so only
 * when exactly one message is pending can we tell that it was that one.
 */
export function failIfOnlyOnePending(why) {
  const items = list.querySelectorAll(':scope > [data-state="pending"]');
  if (items.length === 1) markFailed(items[0], why);
}

/** A quiet, centred line such as "bob joined". */
export function addNotice(text, ts) {
  const li = el('li', 'notice');
  li.dataset.testid = 'notice';
  li.append(el('span', 'notice-text', text));
  if (ts !== undefined) li.append(' ', timeEl(ts));
  place(li);
}

/** Empties the list: after a sign-out, one person's chat must not stay for whoever signs in next. */
export function clear() {
  list.replaceChildren();
  jump.hidden = true;
}

list.addEventListener('scroll', () => {
  if (isAtBottom()) jump.hidden = true;
});
jump.addEventListener('click', scrollToEnd);
