// history.js: reading a conversation's past, page by page (PROTOCOL.md §4 `history`). Opening a
// conversation for the first time asks for its newest page; a reader who scrolls to the top (or
// presses "Load older messages") asks for the page before the oldest message shown. Each answer's
// messages go through the same path as live ones (`onMessage`, given by chat.js), which drops the
// seqs already held and acknowledges pending messages whose id it carries, so a page that
// overlaps a replay or live traffic shows each message once. The reader's place is kept while
// older messages are put above it.
//
// At most one page per conversation is asked for at a time. A request lost with its connection
// is forgotten at the next welcome (`resume`) and asked again when needed.

import * as conversations from './conversations.js';
import * as link from './link.js';
import * as me from './me.js';
import * as messages from './messages.js';
import * as readmark from './readmark.js';

const PAGE = 50; // messages per page (the server's default)
// Errors the server answers a `history` with (no id: it names no message).
export const HISTORY_ERRORS = new Set(['unavailable', 'not_a_member', 'no_such_room', 'no_such_user']);

let onMessage = () => {};
const asked = []; // { key, first } for each page asked for and not answered yet, oldest first

/** onMessage(frame): a message from a history page, to be added where it belongs. */
export function configure(handlers) {
  onMessage = handlers.onMessage;
}

function ask(conversation, before) {
  const { history } = conversation;
  if (history.loading) return;
  const frame = { type: 'history', limit: PAGE };
  if (conversation.kind === 'room') frame.room = conversation.name;
  else frame.with = conversation.name;
  if (before !== null) frame.before = before;
  if (!link.send(frame)) return; // not connected: asked again after the next welcome
  history.asked = true;
  history.loading = true;
  asked.push({ key: conversation.key, first: before === null });
  messages.setEdge(conversation.key, 'loading');
}

/** The conversation was opened: its newest page, the first time. */
export function openFirst(key) {
  const conversation = conversations.get(key);
  if (conversation && !conversation.history.asked) ask(conversation, null);
}

/** The reader wants older messages than the oldest shown. */
export function older(key) {
  const conversation = conversations.get(key);
  if (!conversation) return;
  if (!conversation.history.asked) return ask(conversation, null);
  if (conversation.history.more) ask(conversation, conversation.oldest);
}

/** What the top of a conversation says once its whole history is shown: what it is, and who sees it. */
function startOf(conversation) {
  if (conversation.kind === 'room') return `This is the start of #${conversation.name}.`;
  if (me.isMe(conversation.name)) return 'This is the start of your notes to yourself. Only you see them.';
  return `This is the start of your conversation with ${conversation.name}. Only the two of you see it.`;
}

/** A `history` frame: its messages in place, the edge updated, maybe the next page asked for. */
export function onHistory(frame) {
  const target = typeof frame.room === 'string'
    ? conversations.roomKey(frame.room)
    : conversations.dmKey(String(frame.with));
  const conversation = conversations.get(target);
  const index = asked.findIndex((page) => page.key === target);
  if (index >= 0) asked.splice(index, 1);
  if (!conversation) return; // a room left meanwhile
  const { history } = conversation;
  history.loading = false;
  const page = Array.isArray(frame.messages) ? frame.messages : [];
  history.more = frame.more === true;
  history.truncated = frame.truncated === true;
  const edge = history.more ? 'more' : history.truncated ? 'truncated' : 'start';
  messages.keepingPlace(target, () => {
    page.forEach((message) => onMessage(message));
    messages.setEdge(target, edge, startOf(conversation));
  });
  messages.historyArrived(target); // a divider waiting for its messages
  readmark.soon();
  // A short first page may not fill the screen, and then nobody can scroll up for more.
  if (history.more && messages.fillsNoScreen(target)) older(target);
}

/** The server refused the oldest page still asked for (an `error` frame without an id). */
export function failed() {
  const page = asked.shift();
  const conversation = conversations.get(page?.key);
  if (!conversation) return;
  conversation.history.loading = false;
  if (page.first) conversation.history.asked = false;
  messages.setEdge(page.key, 'failed');
}

export const waiting = () => asked.length > 0;

/** A new connection: answers to pages asked on the old one will never come. */
export function resume() {
  for (const page of asked.splice(0)) {
    const conversation = conversations.get(page.key);
    if (!conversation) continue;
    conversation.history.loading = false;
    if (page.first) conversation.history.asked = false;
    messages.setEdge(page.key, page.first ? 'idle' : 'more');
  }
}

// The reader reached the top of a list, or pressed its "Load older messages" button.
messages.configure({ nearTop: older, older });
