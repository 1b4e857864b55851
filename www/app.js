// app.js: the glue. It wires the forms to the connection (socket.js) and the connection's frames
// and states to the page (view.js, messages.js). It holds the little state the page needs:
// who you are, the server's text limit, and the counter behind your messages' ids.

import { ChatConnection, NAME_RE } from './socket.js';
import * as view from './view.js';
import * as messages from './messages.js';

// Ids for your messages: a random prefix per page load, then c1, c2... (PROTOCOL.md §3 `send`).
const ID_PREFIX = Math.random().toString(36).slice(2, 8);
let nextId = 1;

// Error codes that mean "the send you just made was refused" (PROTOCOL.md §4).
const SEND_REFUSALS = new Set(['bad_json', 'missing_field', 'text_empty', 'text_too_long', 'id_too_long']);
const NAME_KEY = 'threadchat.name'; // localStorage: the last name used, to prefill the prompt

const nameInput = document.getElementById('name');
const textInput = document.getElementById('text');
const encoder = new TextEncoder();

let conn = null; // the current ChatConnection, or null when signed out
let me = ''; // your name as the server spells it (from welcome)
let maxTextBytes = 4096; // replaced by /api/info's max_text_bytes

function signIn(name) {
  conn?.close();
  view.setJoining(true);
  view.setLoginError('');
  try {
    localStorage.setItem(NAME_KEY, name);
  } catch {
    // storage may be disabled; the prompt just starts empty next time
  }
  conn = new ChatConnection(name, { onFrame, onState, onRefused, onInfo });
  conn.start();
}

function onInfo(info) {
  if (Number.isInteger(info.max_text_bytes) && info.max_text_bytes > 0) {
    maxTextBytes = info.max_text_bytes;
    // A UTF-16 unit is at least one UTF-8 byte, so this cap never blocks a valid message.
    textInput.maxLength = maxTextBytes;
  }
}

function onState(state, detail) {
  if (state === 'connected') {
    view.setStatus('connected', 'Connected');
    view.hideBanner();
  } else if (!view.isChatShown()) {
    onStateBeforeWelcome(state, detail);
  } else if (state === 'reconnecting') {
    messages.failAllPending('The connection was lost before the server confirmed this message.');
    view.setStatus('reconnecting', 'Reconnecting…');
    view.showBanner('Connection lost — reconnecting…', 'Retry now', () => conn?.retryNow());
  } else if (state === 'closed') {
    messages.failAllPending('The server closed the connection before confirming this message.');
    view.setStatus('disconnected', 'Disconnected');
    view.showBanner(`Disconnected by the server (${detail.reason}).`, 'Reconnect', () => signIn(me));
  }
}

// Still on the name prompt: report progress there instead of in a banner.
function onStateBeforeWelcome(state, detail) {
  if (state === 'closed') {
    view.setStatus('disconnected', 'Disconnected');
    view.setJoining(false);
    view.setLoginError(`The server closed the connection (${detail.reason}).`);
  } else {
    view.setStatus('connecting', 'Connecting…');
    if (detail.delayMs !== undefined) {
      view.setJoining(false);
      view.setLoginError(`Cannot reach the chat server yet; trying again… (${detail.reason})`);
    }
  }
}

function onRefused({ message }) {
  conn = null;
  messages.failAllPending('You were signed out before the server confirmed this message.');
  view.setStatus('offline', 'Not signed in');
  view.showLogin(undefined, message);
}

function onFrame(frame) {
  switch (frame.type) {
    case 'welcome':
      return onWelcome(frame);
    case 'message':
      if (!messages.confirm(frame)) messages.addMessage(frame, frame.from === me);
      return;
    case 'joined':
      view.addOnline(frame.user);
      return messages.addNotice(`${frame.user} joined`, frame.ts);
    case 'left':
      view.removeOnline(frame.user);
      return messages.addNotice(`${frame.user} left`, frame.ts);
    case 'error':
      view.showSendError(frame.message || `The server refused that (${frame.code}).`);
      if (typeof frame.id === 'string') messages.failPending(frame.id, frame.message);
      else if (SEND_REFUSALS.has(frame.code)) messages.failIfOnlyOnePending(frame.message);
      return;
    default:
      return; // unknown frame types are ignored, so the protocol can grow (PROTOCOL.md §3)
  }
}

function onWelcome(frame) {
  const reconnected = view.isChatShown();
  me = String(frame.you);
  view.setOnline(Array.isArray(frame.users) ? frame.users : [me], me);
  if (reconnected) {
    messages.addNotice('Reconnected', Date.now());
  } else {
    view.showChat();
    messages.addNotice(`You joined as ${me}`, Date.now());
  }
}

document.getElementById('login-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const name = nameInput.value.trim();
  if (!NAME_RE.test(name)) {
    view.setLoginError(
      name ? 'A name is 1–32 letters, digits, _ or - (no spaces or accents).' : 'Please enter a name.',
    );
    nameInput.focus();
    return;
  }
  signIn(name);
});

document.getElementById('composer').addEventListener('submit', (event) => {
  event.preventDefault();
  textInput.focus(); // keep typing after clicking Send
  const text = textInput.value;
  if (text.trim() === '') return;
  const bytes = encoder.encode(text).length;
  if (bytes > maxTextBytes) {
    view.showSendError(`Too long: ${bytes} bytes; the limit is ${maxTextBytes}.`, { sticky: true });
    return;
  }
  const id = `${ID_PREFIX}-c${nextId++}`;
  if (!conn?.send({ type: 'send', text, id })) {
    view.showSendError('Not connected; your message is still in the box.');
    return;
  }
  messages.addPending(id, me, text);
  textInput.value = '';
  checkLength();
});

function checkLength() {
  const wasTooLong = textInput.getAttribute('aria-invalid') === 'true';
  const bytes = encoder.encode(textInput.value).length;
  const tooLong = bytes > maxTextBytes;
  view.setTooLong(tooLong);
  if (tooLong) view.showSendError(`Too long: ${bytes} bytes; the limit is ${maxTextBytes}.`, { sticky: true });
  else if (wasTooLong) view.clearSendError();
}

textInput.addEventListener('input', checkLength);

let savedName;
try {
  savedName = localStorage.getItem(NAME_KEY) ?? undefined;
} catch {
  savedName = undefined;
}
view.showLogin(savedName);
