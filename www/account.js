// account.js: the sign-in form, in its three modes: "Sign in" (name, password), "Create an
// account" (name, password, the password repeated, and a join code when the server asks for
// one) and "I have a reset code" (name, the code a teacher gave, a new password twice). Opened
// from the console's owner setup link (`#setup=CODE`), it says so, and the account signed in or
// created through it becomes the owner (the code goes with the request, then off the address). It checks what it can before sending (rules.js), sends through api.js, and shows the
// server's refusal next to the field it is about. On success it hands the account's name to the
// app (`onSignedIn`); the session itself is an HttpOnly cookie this page never touches.
//
// The password field's `autocomplete` follows the mode (current-password / new-password), so that
// a password manager offers the saved password when signing in and a new one when registering.

import * as api from './api.js';
import { clearErrors, setBusy, setFieldError, showProblems } from './fields.js';
import { nameProblem, passwordProblem } from './rules.js';

const $ = (id) => document.getElementById(id);
const form = $('account-form');
const nameInput = $('account-name');
const passwordInput = $('account-password');
const repeatInput = $('account-repeat');
const joinCodeInput = $('account-join-code');
const resetCodeInput = $('account-reset-code');
const submitButton = $('account-submit');
const formError = $('account-error');

// What each mode says and does. `label` names the submit button; `busy` is its label meanwhile.
const MODES = {
  signin: {
    title: 'Sign in',
    hint: 'New here? Create an account first.',
    label: 'Sign in',
    busy: 'Signing in…',
    autocomplete: 'current-password',
  },
  create: {
    title: 'Create an account',
    hint: 'Pick a name (1–32 letters, digits, _ or -) and a password of at least 8 characters.',
    label: 'Create account',
    busy: 'Creating account…',
    autocomplete: 'new-password',
  },
  reset: {
    title: 'Set a new password',
    hint: 'Your account name, the reset code you were given, and a new password (at least 8 characters).',
    label: 'Set password and sign in',
    busy: 'Setting the password…',
    autocomplete: 'new-password',
  },
};

/** The owner setup code of the address (`#setup=CODE`), if the page was opened with one. */
function setupCodeOfAddress() {
  const match = /^#setup=([0-9a-fA-F]{1,64})$/.exec(location.hash);
  return match ? match[1] : '';
}

let setupCode = setupCodeOfAddress();

// Whoever opens the setup link on the first start usually has no account yet.
let mode = setupCode ? 'create' : 'signin';
let askJoinCode = false; // /api/info's join_code: registering needs the code
let busy = false;
let onSignedIn = () => {};

/** joinCode: whether registering needs a join code; signedIn(name): called after a success. */
export function configure({ joinCode, signedIn }) {
  askJoinCode = joinCode;
  onSignedIn = signedIn;
  setMode(mode);
}

/**
 * Readies the shown form (view.js shows it) for someone to sign in: empty passwords, the name
 * filled in if known, `message` saying why we are here (e.g. signed out elsewhere), focus placed.
 */
export function prompt({ name = '', message = '' } = {}) {
  if (name && !nameInput.value) nameInput.value = name;
  passwordInput.value = '';
  repeatInput.value = '';
  setMode(setupCode ? mode : 'signin'); // whoever comes back here has an account by now
  formError.textContent = message;
  (nameInput.value ? passwordInput : nameInput).focus();
}

function inputs() {
  return [nameInput, passwordInput, repeatInput, joinCodeInput, resetCodeInput];
}

function setMode(next) {
  mode = next;
  const spec = MODES[mode];
  const creating = mode === 'create';
  const resetting = mode === 'reset';
  form.dataset.mode = mode;
  $('mode-signin').setAttribute('aria-pressed', String(mode === 'signin'));
  $('mode-create').setAttribute('aria-pressed', String(creating));
  $('account-title').textContent = spec.title;
  $('account-hint').textContent = spec.hint;
  $('account-setup').hidden = !setupCode || resetting;
  $('mode-reset').hidden = resetting || Boolean(setupCode);
  $('mode-back').hidden = !resetting;
  document.querySelector('label[for="account-password"]').textContent = resetting ? 'New password' : 'Password';
  passwordInput.autocomplete = spec.autocomplete;
  $('account-repeat-field').hidden = !(creating || resetting);
  // The setup link needs no join code: it works whatever the registration.
  $('account-join-code-field').hidden = !(creating && askJoinCode && !setupCode);
  $('account-reset-code-field').hidden = !resetting;
  submitButton.textContent = spec.label;
  clearErrors(inputs(), formError);
}

function switchTo(next) {
  if (busy || next === mode) return;
  setMode(next);
}

$('mode-signin').addEventListener('click', () => switchTo('signin'));
$('mode-create').addEventListener('click', () => switchTo('create'));
$('mode-reset').addEventListener('click', () => {
  switchTo('reset');
  (nameInput.value ? resetCodeInput : nameInput).focus();
});
$('mode-back').addEventListener('click', () => switchTo('signin'));

/** Whether the form was opened from the owner setup link (app.js shows the form then). */
export function forSetup() {
  return Boolean(setupCode);
}

/** The checks the server would make, so that most mistakes never cost a request. */
function checkFields() {
  const creating = mode === 'create' || mode === 'reset';
  const password = passwordInput.value;
  const pairs = [
    [nameInput, nameProblem(nameInput.value.trim())],
    [passwordInput, passwordProblem(password)],
  ];
  if (creating) {
    const differs = repeatInput.value !== password ? 'The two passwords differ.' : '';
    pairs.push([repeatInput, password && !passwordProblem(password) ? differs : '']);
  }
  if (mode === 'create' && askJoinCode && !setupCode) {
    pairs.push([joinCodeInput, joinCodeInput.value.trim() ? '' : 'Please enter the join code.']);
  }
  if (mode === 'reset') {
    pairs.push([resetCodeInput, resetCodeInput.value.trim() ? '' : 'Please enter the reset code.']);
  }
  return showProblems(pairs);
}

/** Where a refusal is shown: next to its field when it is about one, else under the form. */
function showRefusal(failure) {
  const text = api.explain(failure);
  const field = {
    name_taken: nameInput,
    bad_join_code: joinCodeInput,
    bad_reset_code: resetCodeInput,
    bad_credentials: passwordInput,
  }[failure.code];
  if (field && failure.code !== 'bad_credentials') {
    setFieldError(field, text);
  } else {
    // A wrong sign-in does not say which of the two was wrong, so neither field is marked.
    formError.textContent = text;
  }
  if (field) {
    field.focus();
    field.select();
  }
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  if (busy) return;
  clearErrors(inputs(), formError);
  if (!checkFields()) return;
  const spec = MODES[mode];
  const name = nameInput.value.trim();
  const joinCode = mode === 'create' && askJoinCode && !setupCode ? joinCodeInput.value.trim() : undefined;
  busy = true;
  setBusy(submitButton, true, spec.busy, spec.label);
  const password = passwordInput.value;
  const result = await {
    create: () => api.register(name, password, joinCode, setupCode),
    signin: () => api.login(name, password, setupCode),
    reset: () => api.reset(name, resetCodeInput.value.trim(), password),
  }[mode]();
  busy = false;
  setBusy(submitButton, false, spec.busy, spec.label);
  if (!result.ok) {
    showRefusal(result);
    return;
  }
  // The passwords are no longer needed: do not leave them in the page.
  passwordInput.value = '';
  repeatInput.value = '';
  resetCodeInput.value = '';
  if (setupCode && mode !== 'reset') {
    // Spent: off the address, so that a reload or a bookmark does not offer it again.
    setupCode = '';
    history.replaceState(null, '', location.pathname + location.search);
  }
  onSignedIn(String(result.data.name ?? name));
});
