// composer.js: the message box under the chat. It checks a message against the server's limit
// (/api/info's max_text_bytes, counted in UTF-8 bytes as the server counts them), gives it an id,
// sends it on the current connection and shows it at once as pending (messages.js) until the
// server's echo with that id confirms it. A message that cannot go out stays in the box.

import * as view from './view.js';
import * as messages from './messages.js';

const textInput = document.getElementById('text');
const encoder = new TextEncoder();

// Ids for your messages: a random prefix per page load, then c1, c2... (PROTOCOL.md §4 `send`).
const ID_PREFIX = Math.random().toString(36).slice(2, 8);
let nextId = 1;

let maxTextBytes = 4096; // replaced by /api/info's max_text_bytes
let conn = null; // where messages go: the app's current ChatConnection
let author = ''; // your name, shown on your pending messages

/** The server's facts (from /api/info): the text limit. */
export function useInfo(info) {
  if (Number.isInteger(info.max_text_bytes) && info.max_text_bytes > 0) {
    maxTextBytes = info.max_text_bytes;
    // A UTF-16 unit is at least one UTF-8 byte, so this cap never blocks a valid message.
    textInput.maxLength = maxTextBytes;
  }
}

export function useConnection(connection) {
  conn = connection;
}

export function setAuthor(name) {
  author = name;
}

/** Empties the box (a sign-out: a draft is not for whoever signs in next). */
export function reset() {
  textInput.value = '';
  checkLength();
}

function tooLongMessage(bytes) {
  return `Too long: ${bytes} bytes; the limit is ${maxTextBytes}.`;
}

document.getElementById('composer').addEventListener('submit', (event) => {
  event.preventDefault();
  textInput.focus(); // keep typing after clicking Send
  const text = textInput.value;
  if (text.trim() === '') return;
  const bytes = encoder.encode(text).length;
  if (bytes > maxTextBytes) {
    view.showSendError(tooLongMessage(bytes), { sticky: true });
    return;
  }
  const id = `${ID_PREFIX}-c${nextId++}`;
  if (!conn?.send({ type: 'send', text, id })) {
    view.showSendError('Not connected; your message is still in the box.');
    return;
  }
  messages.addPending(id, author, text);
  textInput.value = '';
  checkLength();
});

function checkLength() {
  const wasTooLong = textInput.getAttribute('aria-invalid') === 'true';
  const bytes = encoder.encode(textInput.value).length;
  const tooLong = bytes > maxTextBytes;
  view.setTooLong(tooLong);
  if (tooLong) view.showSendError(tooLongMessage(bytes), { sticky: true });
  else if (wasTooLong) view.clearSendError();
}

textInput.addEventListener('input', checkLength);
