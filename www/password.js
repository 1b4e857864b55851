// password.js: the "Change password" dialog. A modal <dialog>, so the browser keeps focus inside
// it and Escape closes it. It asks for the current password, the new one and the new one again,
// checks them (rules.js), and posts them (api.js). The server then ends every *other* session of
// the account, which closes their connections; this page's own session stays, so the chat here
// carries on. If this session has itself ended meanwhile, the dialog closes and the app is told
// (`onSignedOut`), to go back to the sign-in form.

import * as api from './api.js';
import { clearErrors, setBusy, setFieldError, showProblems } from './fields.js';
import { passwordProblem, sentence } from './rules.js';

const $ = (id) => document.getElementById(id);
const dialog = $('password-dialog');
const form = $('password-form');
const oldInput = $('password-old');
const newInput = $('password-new');
const repeatInput = $('password-repeat');
const submitButton = $('password-submit');
const cancelButton = $('password-cancel');
const formError = $('password-error');
const LABEL = 'Save';
const BUSY_LABEL = 'Saving…';

let busy = false;
let onSignedOut = () => {};

/** signedOut(message): this session turned out to be over. */
export function configure({ signedOut }) {
  onSignedOut = signedOut;
}

const inputs = () => [oldInput, newInput, repeatInput];

/** Opens the dialog empty, for the account `name` (for password managers). */
export function open(name) {
  $('password-username').value = name;
  for (const input of inputs()) input.value = '';
  clearErrors(inputs(), formError);
  $('password-fields').hidden = false;
  $('password-done').textContent = '';
  submitButton.hidden = false;
  cancelButton.textContent = 'Cancel';
  dialog.showModal();
  oldInput.focus();
}

/** Closes the dialog if it is open (e.g. when signing out). */
export function close() {
  if (dialog.open) dialog.close();
}

function showDone() {
  for (const input of inputs()) input.value = '';
  $('password-fields').hidden = true;
  submitButton.hidden = true;
  cancelButton.textContent = 'Done';
  $('password-done').textContent = 'Password changed; your other sessions were signed out.';
  cancelButton.focus();
}

function checkFields() {
  const fresh = newInput.value;
  const differs = repeatInput.value !== fresh ? 'The two new passwords differ.' : '';
  return showProblems([
    [oldInput, oldInput.value ? '' : 'Please enter your current password.'],
    [newInput, passwordProblem(fresh)],
    [repeatInput, passwordProblem(fresh) ? '' : differs],
  ]);
}

function showRefusal(failure) {
  if (failure.code === 'unauthenticated') {
    close();
    onSignedOut(sentence(failure.message) || 'Please sign in again.');
  } else if (failure.code === 'bad_credentials') {
    setFieldError(oldInput, 'That is not your current password.');
    oldInput.select();
    oldInput.focus();
  } else if (failure.code === 'bad_request') {
    setFieldError(newInput, api.explain(failure)); // the only rule left to break is the new one's
    newInput.focus();
  } else {
    formError.textContent = api.explain(failure);
  }
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  if (busy) return;
  clearErrors(inputs(), formError);
  if (!checkFields()) return;
  busy = true;
  setBusy(submitButton, true, BUSY_LABEL, LABEL);
  const result = await api.changePassword(oldInput.value, newInput.value);
  busy = false;
  setBusy(submitButton, false, BUSY_LABEL, LABEL);
  if (result.ok) showDone();
  else showRefusal(result);
});

cancelButton.addEventListener('click', close);
// Clicking the dimmed backdrop (the dialog element itself, outside its form) closes it too.
dialog.addEventListener('click', (event) => {
  if (event.target === dialog) close();
});
