// view.js: the page's frame, around the chat itself (sidebar.js, navigate.js, messages.js) and
// the account forms (account.js, password.js): which screen shows (the way in, or the chat), the
// guest name prompt, the header (connection status, and with accounts who is signed in, on the
// button of the account menu, menu.js), the lost-connection banner, and the line under the
// input where the server's errors appear. Names only ever go in through textContent.

const $ = (id) => document.getElementById(id);
const guestInput = $('guest-name');
const textInput = $('text');
const SEND_ERROR_MS = 8000; // how long a server error stays under the input

/** Which way in this server has: the sign-in form (accounts) or the guest name prompt. */
export function useAccounts(accounts) {
  $('account-form').hidden = !accounts;
  $('guest-form').hidden = accounts;
}

/** The way in (sign-in form or guest prompt) instead of the chat. */
export function showEntry() {
  $('chat').hidden = true;
  $('login').hidden = false;
  $('sidebar-toggle').hidden = true;
  hideBanner();
}

/** The guest prompt, optionally with a reason the last name was not accepted. */
export function showGuestPrompt(name, error) {
  showEntry();
  if (name !== undefined) guestInput.value = name;
  setGuestError(error);
  setJoining(false);
  guestInput.focus();
  if (error) guestInput.select();
}

export function showChat() {
  $('login').hidden = true;
  $('chat').hidden = false;
  $('sidebar-toggle').hidden = false;
  setGuestError('');
  setJoining(false);
}

export function isChatShown() {
  return !$('chat').hidden;
}

export function setGuestError(text) {
  const sentence = text ? text[0].toUpperCase() + text.slice(1) : '';
  $('guest-error').textContent = sentence;
  guestInput.setAttribute('aria-invalid', text ? 'true' : 'false');
}

/** While a guest's first connection is being made the Join button says so and waits. */
export function setJoining(joining) {
  const join = $('guest-join');
  join.disabled = joining;
  join.textContent = joining ? 'Joining…' : 'Join';
}

/** The header's account menu: who is signed in, or (null) nobody, which hides it. */
export function setAccount(name) {
  $('account-bar').hidden = name === null;
  $('me-name').textContent = name ?? '';
  $('menu-name').textContent = name ?? '';
  $('me-initial').textContent = (name ?? '').slice(0, 1).toUpperCase();
  $('account-button').title = name ?? ''; // the whole name, where the header has to cut it short
  setSigningOut(false);
}

/** While the sign-out request is out, the account menu waits (a second sign-out would do nothing). */
export function setSigningOut(signingOut) {
  const button = $('account-button');
  button.disabled = signingOut;
  button.setAttribute('aria-busy', String(signingOut));
}

/** state: offline | connecting | connected | reconnecting | disconnected (styled by CSS). */
export function setStatus(state, text) {
  const status = $('status');
  status.dataset.state = state;
  status.textContent = text;
  document.body.dataset.connection = state; // lets CSS dim what is stale while offline
}

let bannerAction = null;

/** A strip under the header; the button (if any) runs `action`. */
export function showBanner(text, actionLabel, action) {
  $('banner-text').textContent = text;
  const button = $('banner-action');
  button.hidden = !actionLabel;
  button.textContent = actionLabel || '';
  bannerAction = action || null;
  $('banner').hidden = false;
}

export function hideBanner() {
  $('banner').hidden = true;
  bannerAction = null;
}

$('banner-action').addEventListener('click', () => bannerAction?.());

let sendErrorTimer = 0;

/** A non-blocking note under the input; `sticky` ones stay until cleared. */
export function showSendError(text, { sticky = false } = {}) {
  clearTimeout(sendErrorTimer);
  $('send-error').textContent = text;
  if (!sticky) sendErrorTimer = setTimeout(clearSendError, SEND_ERROR_MS);
}

export function clearSendError() {
  clearTimeout(sendErrorTimer);
  $('send-error').textContent = '';
}

/**
 * The note under the box near the text limit ('' hides it: "120 characters left"); over the
 * limit (`tooLong`) it is a warning, the box is marked and the Send button waits.
 */
export function setLengthNote(note, tooLong) {
  const line = $('text-limit');
  line.textContent = note;
  line.dataset.over = String(tooLong);
  $('send').disabled = tooLong || textInput.disabled;
  textInput.setAttribute('aria-invalid', String(tooLong));
}

/** The composer edits one of your messages (`on`): a line says so, and Send says Save. */
export function setEditing(on) {
  $('edit-note').hidden = !on;
  $('send').textContent = on ? 'Save' : 'Send';
}
