// composer.js: the message box under the open conversation, and your messages until they are
// delivered. It checks a message against the server's limit (/api/info's max_text_bytes, counted
// in UTF-8 bytes as the server counts them), puts it in the outbox (pending.js), which sends it
// with an id as soon as the connection is ready, and shows it at once as pending (messages.js).
// A lost connection never fails a message: it stays pending and goes out again after the
// reconnect. Only the server's refusal fails it, and then its Retry and Discard buttons land
// here. While you type, `typing` notices go out (typing.js decides how often). Control characters
// (pasted from a terminal, say) are invisible and the server refuses them, so they are dropped.

import * as conversations from './conversations.js';
import * as link from './link.js';
import * as me from './me.js';
import * as messages from './messages.js';
import * as pending from './pending.js';
import * as typing from './typing.js';
import * as view from './view.js';
import { CONTROL_RE } from './rules.js';

const textInput = document.getElementById('text');
const encoder = new TextEncoder();

let maxTextBytes = 4096; // replaced by /api/info's max_text_bytes

/** The server's facts (from /api/info): the text limit. */
export function useInfo(info) {
  if (Number.isInteger(info.max_text_bytes) && info.max_text_bytes > 0) {
    maxTextBytes = info.max_text_bytes;
    // A UTF-16 unit is at least one UTF-8 byte, so this cap never blocks a valid message.
    textInput.maxLength = maxTextBytes;
  }
}

/** Empties the box (a sign-out: a draft is not for whoever signs in next). */
export function reset() {
  textInput.value = '';
  checkLength();
}

/** How many of your messages are not delivered yet (pending or failed). */
export const unsentCount = () => pending.all().length;

/** Deletes every undelivered message, from the outbox and from the lists (a sign-out). */
export function discardUnsent() {
  for (const entry of pending.discardAll()) {
    messages.removePending(conversations.keyOf(entry.kind, entry.name), entry.id);
  }
}

const openConversation = () => conversations.get(conversations.currentKey());

function tooLongMessage(bytes) {
  return `Too long: ${bytes} bytes; the limit is ${maxTextBytes}.`;
}

document.getElementById('composer').addEventListener('submit', (event) => {
  event.preventDefault();
  textInput.focus(); // keep typing after clicking Send
  const text = textInput.value.replace(CONTROL_RE, '');
  const conversation = openConversation();
  if (text.trim() === '' || !conversation) return;
  const bytes = encoder.encode(text).length;
  if (bytes > maxTextBytes) {
    view.showSendError(tooLongMessage(bytes), { sticky: true });
    return;
  }
  const entry = pending.submit({ kind: conversation.kind, name: conversation.name, text });
  messages.addPending(conversation.key, entry, me.myName());
  typing.noteSent(conversation.key);
  textInput.value = '';
  checkLength();
  if (!link.isReady()) view.showSendError('Not connected: your message will be sent when the connection is back.');
});

function checkLength() {
  const wasTooLong = textInput.getAttribute('aria-invalid') === 'true';
  const bytes = encoder.encode(textInput.value).length;
  const tooLong = bytes > maxTextBytes;
  view.setTooLong(tooLong);
  if (tooLong) view.showSendError(tooLongMessage(bytes), { sticky: true });
  else if (wasTooLong) view.clearSendError();
}

textInput.addEventListener('input', () => {
  checkLength();
  const conversation = openConversation();
  if (conversation && textInput.value.trim() !== '') typing.noteInput(conversation);
});

// A failed message's buttons (messages.js finds which message; the outbox knows where it goes).
messages.configure({
  retry(id) {
    const entry = pending.get(id);
    if (!entry) return;
    messages.setPending(conversations.keyOf(entry.kind, entry.name), id);
    pending.retry(id);
  },
  discard(id) {
    const entry = pending.get(id);
    if (entry) messages.removePending(conversations.keyOf(entry.kind, entry.name), id);
    pending.remove(id);
  },
});
