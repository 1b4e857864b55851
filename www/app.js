// app.js: the entry point, and the way in. On load it asks the server how people get in
// (/api/info): with accounts, it asks whether this browser's session is still alive (/api/me) and
// goes straight to the chat if so, else to the sign-in form (account.js); under --guests, to the
// name prompt. Then it opens the connection (socket.js) and hands its frames to chat.js, and wires
// the header's account menu (menu.js: Change password in password.js, Sign out confirmed in
// signout.js) to the account API (api.js).
//
// The chat itself is split by concern:
//   chat.js          what each frame does, and the order of things on each (re)connection
//   me.js            who you are: the account, your name as the server spells it, welcomed yet
//   link.js          the current connection as the rest of the page sees it (ready or not)
//   conversations.js the per-conversation store: seqs held, unread counts, the open one
//   people.js        who is online
//   sidebar.js       the rooms and people lists, the phone drawer, Alt+Arrow switching
//   navigate.js      opening a conversation (its header, its list, its history)
//   rooms.js         creating, joining and leaving rooms
//   messages.js      the message lists; items.js builds their items
//   history.js       older messages, page by page
//   pending.js       the outbox, kept in localStorage until the server acknowledges
//   typing.js        "alice is typing…", both ways
//   composer.js      the message box; limit.js words its length, drafts.js keeps its drafts
//   edits.js         editing and deleting your messages; message-menu.js, their menu and dialog
//   staff.js         roles, your mute, rooms' rules; silence.js says in the composer why you cannot write
//   moderate.js      the owners' and moderators' actions; class-panel.js, room and class settings
//   storage.js       what is remembered between visits
//   view.js          the screens, the header, the banner
//
// A session that ends (signed out here or elsewhere, password changed elsewhere, expired) always
// comes back to the sign-in form with the reason, and never reconnects. Messages still pending
// then stay in the outbox, and go out when the same person signs in again; except after the Sign
// out in the account menu, which deletes them and the drafts (its confirmation says so): on a
// shared classroom computer, the next person must not find them.

import { ChatConnection, fetchInfo } from './socket.js';
import * as api from './api.js';
import * as account from './account.js';
import * as chat from './chat.js';
import * as classPanel from './class-panel.js';
import * as composer from './composer.js';
import * as edits from './edits.js';
import * as link from './link.js';
import * as me from './me.js';
import * as menu from './menu.js';
import * as passwordDialog from './password.js';
import * as profileDialog from './profile.js';
import * as signoutDialog from './signout.js';
import * as view from './view.js';
import { nameProblem, sentence } from './rules.js';
import { lastName, rememberName } from './storage.js';

let conn = null; // the current ChatConnection, or null when signed out
let accounts = false; // /api/info's `accounts`: false under --guests (and from servers before it)
let signingOut = false; // our own sign-out is under way: the server's "signed out" is expected

/** The server's facts (/api/info, read again at each connection): the limits the page follows. */
function useInfo(info) {
  composer.useInfo(info);
  edits.useInfo(info);
  classPanel.useInfo(info);
}

/** Opens a connection as you (the session cookie says who, with accounts; a guest's name else). */
function connect() {
  conn?.close();
  conn = new ChatConnection(accounts ? null : me.myName(), {
    onFrame: chat.onFrame, onState, onRefused, onInfo: useInfo, since: chat.sinceForConnection,
  });
  link.use(conn);
  conn.start();
}

/**
 * Each welcome: who you are, as the server spells it; the first one shows the chat (and then
 * opens a conversation, which puts the keyboard in the message box: navigate.js).
 */
function onWelcome() {
  if (accounts) view.setAccount(me.myName());
  if (!view.isChatShown()) view.showChat();
}

/** With accounts: signed in as `name` (by the form, or a session that was still alive). */
function enterChat(name) {
  rememberName(name);
  chat.start(name, { welcomed: onWelcome });
  view.setAccount(name);
  view.showChat();
  view.setStatus('connecting', 'Connecting…');
  connect();
}

/** Under --guests: try `name`; the prompt stays until the welcome (or the refusal) arrives. */
function joinAsGuest(name) {
  rememberName(name);
  chat.start(name, { welcomed: onWelcome });
  view.setJoining(true);
  view.setGuestError('');
  connect();
}

/** Back to the sign-in form, with `message` saying why ('' for none). */
function signedOut(message) {
  conn?.close();
  conn = null;
  menu.close();
  passwordDialog.close();
  profileDialog.close();
  signoutDialog.close();
  chat.reset();
  view.setAccount(null);
  view.setStatus('offline', 'Not signed in');
  view.showEntry();
  account.prompt({ name: lastName(), message });
}

/**
 * Signing out, once the person has said yes (signout.js asked, naming any unsent messages).
 * Unsent messages are deleted from this browser first: kept, they would wait in localStorage for
 * whoever uses the computer next.
 */
async function signOut() {
  composer.discardUnsent();
  signingOut = true;
  view.setSigningOut(true);
  const result = await api.logout();
  signingOut = false;
  if (result.ok) return signedOut('');
  view.setSigningOut(false);
  view.showBanner(`Could not sign out: ${api.explain(result)}`, 'Try again', signOut);
}

function onState(state, detail) {
  if (state !== 'connected') chat.onLost();
  if (state === 'connected') {
    view.setStatus('connected', 'Connected');
    view.hideBanner();
  } else if (!view.isChatShown()) {
    onStateOnPrompt(state, detail);
  } else if (state === 'connecting') {
    view.setStatus('connecting', 'Connecting…');
  } else if (state === 'reconnecting') {
    view.setStatus('reconnecting', 'Reconnecting…');
    const text = me.wasWelcomed() ? 'Connection lost — reconnecting…' : 'Cannot reach the chat server yet — retrying…';
    view.showBanner(text, 'Retry now', () => conn?.retryNow());
  } else if (state === 'closed') {
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
  chat.onLost();
  if (signingOut) return; // our own sign-out: signOut() finishes the job
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

menu.configure({
  displayName: profileDialog.open,
  changePassword: () => passwordDialog.open(me.myName()),
  signOut: signoutDialog.open,
  classSettings: classPanel.open,
});
signoutDialog.configure({ unsent: composer.unsentCount, confirmed: signOut });

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
  useInfo(info);
  accounts = info.accounts === true;
  view.useAccounts(accounts);
  view.setStatus('offline', accounts ? 'Not signed in' : 'Not joined');
  if (!accounts) return view.showGuestPrompt(lastName());

  account.configure({ joinCode: info.join_code === true, signedIn: enterChat });
  passwordDialog.configure({ signedOut });
  const who = await api.me();
  // The owner setup link always shows the form: the owner is whoever signs in through it.
  if (who.ok && !account.forSetup()) return enterChat(String(who.data.name));
  view.showEntry();
  // 401 is the ordinary "not signed in"; anything else is worth saying.
  account.prompt({ name: lastName(), message: who.code === 'unauthenticated' ? '' : api.explain(who) });
}

start();
