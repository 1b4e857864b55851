// readmark.js: tells the server how far you have read (PROTOCOL.md §4 `read`), so that your other
// tabs and devices, and this one after a reload, count unread messages from there. You have read
// the open conversation when the page is in sight and its list is scrolled to the newest message:
// then, a moment later (one frame for a burst of messages, not one each), `read` names the newest
// seq held, if the server does not have it already; and at once when you leave the conversation,
// so that a message seen just before is not shown unread later. The server's answer comes back as a `read`
// frame to every tab (chat.js hands it to conversations.setRead).

import * as attention from './attention.js';
import * as conversations from './conversations.js';
import * as link from './link.js';
import * as messages from './messages.js';

const DELAY_MS = 300; // messages arriving together are read together

let timer = null;

/** Something may have been read: the list reached its end, a message came, the page came back. */
export function soon() {
  if (timer === null) timer = setTimeout(() => mark(), DELAY_MS);
}

/** The open conversation `key` is about to be left: what was in sight was read, say so now. */
export function leaving(key) {
  if (key === conversations.currentKey()) mark(key);
}

function mark(key = conversations.currentKey()) {
  if (key === conversations.currentKey()) {
    clearTimeout(timer);
    timer = null;
  }
  const conversation = conversations.get(key);
  if (!conversation || !attention.inSight() || !messages.atEnd(key)) return;
  const seq = conversation.latest;
  if (seq === null || (conversation.readSeq !== null && seq <= conversation.readSeq)) return;
  const where = conversation.kind === 'room' ? { room: conversation.name } : { with: conversation.name };
  if (link.send({ type: 'read', ...where, seq })) conversation.readSeq = seq;
}

document.addEventListener('visibilitychange', soon);
messages.configure({ reachedEnd: soon });
