// app.js: the glue. On load it asks the server how people get in (/api/info): with accounts, it
// asks whether this browser's session is still alive (/api/me) and goes straight to the chat if
// so, else to the sign-in form (account.js); under --guests, to the name prompt. Then it wires the
// connection (socket.js) to the page (view.js, messages.js, composer.js), and the header's Sign
// out and Change password (password.js) to the account API (api.js).
//
// It holds the little state the page needs: who you are, whether this server has accounts, and
// the connection. A session that ends (signed out here or elsewhere, password changed elsewhere,
// expired) always comes back to the sign-in form with the reason, and never reconnects.

import { ChatConnection, fetchInfo } from './socket.js';
import * as api from './api.js';
import * as account from './account.js';
import * as composer from './composer.js';
import * as passwordDialog from './password.js';
import * as view from './view.js';
import * as messages from './messages.js';
import { nameProblem, sentence } from './rules.js';

// Error codes that mean "the send you just made was refused" (PROTOCOL.md §5).
const SEND_REFUSALS = new Set(['bad_json', 'missing_field', 'text_empty', 'text_too_long', 'id_too_long']);
const NAME_KEY = 'threadchat.name'; // localStorage: the last name used, to prefill the forms

let conn = null; // the current ChatConnection, or null when signed out
let me = ''; // your name as the server spells it
let accounts = false; // /api/info's `accounts`: false under --guests (and from servers before it)
let welcomed = false; // a welcome arrived since you came in: a later loss is a *lost* connection
let signingOut = false; // our own sign-out is under way: the server's "signed out" is expected

function remember(name) {
  try {
    localStorage.setItem(NAME_KEY, name);
  } catch {
    // storage may be disabled; the form just starts empty next time
  }
}

function recall() {
  try {
    return localStorage.getItem(NAME_KEY) ?? '';
  } catch {
    return '';
  }
}

/** Opens a connection as `me` (the session cookie says who, with accounts). */
function connect() {
  conn?.close();
  conn = new ChatConnection(accounts ? null : me, { onFrame, onState, onRefused, onInfo: composer.useInfo });
  composer.useConnection(conn);
  conn.start();
}

/** With accounts: signed in as `name` (by the form, or a session that was still alive). */
function enterChat(name) {
  me = name;
  welcomed = false;
  remember(name);
  view.setAccount(name);
  view.showChat();
  view.setStatus('connecting', 'Connecting…');
  connect();
}

/** Under --guests: try `name`; the prompt stays until the welcome (or the refusal) arrives. */
function joinAsGuest(name) {
  me = name;
  welcomed = false;
  remember(name);
  view.setJoining(true);
  view.setGuestError('');
  connect();
}

/** Back to the sign-in form, with `message` saying why ('' for none). */
function signedOut(message) {
  conn?.close();
  conn = null;
  me = '';
  passwordDialog.close();
  messages.clear();
  composer.reset();
  view.setOnline([], '');
  view.setAccount(null);
  view.setStatus('offline', 'Not signed in');
  view.showEntry();
  account.prompt({ name: recall(), message });
}

async function signOut() {
  signingOut = true;
  view.setSigningOut(true);
  const result = await api.logout();
  signingOut = false;
  if (result.ok) return signedOut('');
  view.setSigningOut(false);
  view.showBanner(`Could not sign out: ${api.explain(result)}`, 'Try again', signOut);
}

function onState(state, detail) {
  if (state === 'connected') {
    view.setStatus('connected', 'Connected');
    view.hideBanner();
  } else if (!view.isChatShown()) {
    onStateOnPrompt(state, detail);
  } else if (state === 'connecting') {
    view.setStatus('connecting', 'Connecting…');
  } else if (state === 'reconnecting') {
    messages.failAllPending('The connection was lost before the server confirmed this message.');
    view.setStatus('reconnecting', 'Reconnecting…');
    const text = welcomed ? 'Connection lost — reconnecting…' : 'Cannot reach the chat server yet — retrying…';
    view.showBanner(text, 'Retry now', () => conn?.retryNow());
  } else if (state === 'closed') {
    messages.failAllPending('The server closed the connection before confirming this message.');
    view.setStatus('disconnected', 'Disconnected');
    view.showBanner(`Disconnected by the server (${detail.reason}).`, 'Reconnect', connect);
  }
}

// A guest still on the name prompt: report progress there instead of in a banner.
function onStateOnPrompt(state, detail) {
  if (state === 'closed') {
    view.setStatus('disconnected', 'Disconnected');
    view.setJoining(false);
    view.setGuestError(`The server closed the connection (${detail.reason}).`);
  } else {
    view.setStatus('connecting', 'Connecting…');
    if (detail.delayMs !== undefined) {
      view.setJoining(false);
      view.setGuestError(`Cannot reach the chat server yet; trying again… (${detail.reason})`);
    }
  }
}

function onRefused({ code, message }) {
  conn = null;
  if (signingOut) return; // our own sign-out: signOut() finishes the job
  messages.failAllPending('You were signed out before the server confirmed this message.');
  if (accounts && code === 'unavailable') {
    // The session may well be fine; the server could not check it. Offer to try again.
    view.setStatus('disconnected', 'Disconnected');
    view.showBanner(sentence(message), 'Reconnect', connect);
  } else if (accounts) {
    signedOut(sentence(message) || 'You were signed out.');
  } else {
    view.setStatus('offline', 'Not joined');
    view.showGuestPrompt(undefined, message);
  }
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
      return; // unknown frame types are ignored, so the protocol can grow (PROTOCOL.md §4)
  }
}

function onWelcome(frame) {
  me = String(frame.you);
  composer.setAuthor(me);
  view.setOnline(Array.isArray(frame.users) ? frame.users : [me], me);
  if (accounts) view.setAccount(me);
  if (welcomed) {
    messages.addNotice('Reconnected', Date.now());
    return;
  }
  welcomed = true;
  if (!view.isChatShown()) view.showChat();
  messages.addNotice(`You joined as ${me}`, Date.now());
}

document.getElementById('guest-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const name = document.getElementById('guest-name').value.trim();
  const problem = nameProblem(name);
  if (problem) {
    view.setGuestError(problem);
    document.getElementById('guest-name').focus();
    return;
  }
  joinAsGuest(name);
});

document.getElementById('sign-out').addEventListener('click', signOut);
document.getElementById('open-password').addEventListener('click', () => passwordDialog.open(me));

/** Asks the server how people get in, then shows the way in, or the chat for a live session. */
async function start() {
  view.hideBanner();
  let info;
  try {
    info = await fetchInfo();
  } catch (err) {
    view.setStatus('disconnected', 'Server unreachable');
    view.showBanner(`Cannot reach the server (${err.message}).`, 'Try again', start);
    return;
  }
  composer.useInfo(info);
  accounts = info.accounts === true;
  view.useAccounts(accounts);
  view.setStatus('offline', accounts ? 'Not signed in' : 'Not joined');
  if (!accounts) return view.showGuestPrompt(recall());

  account.configure({ joinCode: info.join_code === true, signedIn: enterChat });
  passwordDialog.configure({ signedOut });
  const who = await api.me();
  if (who.ok) return enterChat(String(who.data.name));
  view.showEntry();
  // 401 is the ordinary "not signed in"; anything else is worth saying.
  account.prompt({ name: recall(), message: who.code === 'unauthenticated' ? '' : api.explain(who) });
}

start();
