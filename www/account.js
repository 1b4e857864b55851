// account.js: the sign-in form, in its two modes: "Sign in" (name, password) and "Create an
// account" (name, password, the password repeated, and a join code when the server asks for
// one). It checks what it can before sending (rules.js), sends through api.js, and shows the
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
};

let mode = 'signin';
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
  setMode('signin'); // whoever comes back here has an account by now
  formError.textContent = message;
  (nameInput.value ? passwordInput : nameInput).focus();
}

function inputs() {
  return [nameInput, passwordInput, repeatInput, joinCodeInput];
}

function setMode(next) {
  mode = next;
  const spec = MODES[mode];
  const creating = mode === 'create';
  form.dataset.mode = mode;
  $('mode-signin').setAttribute('aria-pressed', String(!creating));
  $('mode-create').setAttribute('aria-pressed', String(creating));
  $('account-title').textContent = spec.title;
  $('account-hint').textContent = spec.hint;
  passwordInput.autocomplete = spec.autocomplete;
  $('account-repeat-field').hidden = !creating;
  $('account-join-code-field').hidden = !(creating && askJoinCode);
  submitButton.textContent = spec.label;
  clearErrors(inputs(), formError);
}

function switchTo(next) {
  if (busy || next === mode) return;
  setMode(next);
}

$('mode-signin').addEventListener('click', () => switchTo('signin'));
$('mode-create').addEventListener('click', () => switchTo('create'));

/** The checks the server would make, so that most mistakes never cost a request. */
function checkFields() {
  const creating = mode === 'create';
  const password = passwordInput.value;
  const pairs = [
    [nameInput, nameProblem(nameInput.value.trim())],
    [passwordInput, passwordProblem(password)],
  ];
  if (creating) {
    const differs = repeatInput.value !== password ? 'The two passwords differ.' : '';
    pairs.push([repeatInput, password && !passwordProblem(password) ? differs : '']);
  }
  if (creating && askJoinCode) {
    pairs.push([joinCodeInput, joinCodeInput.value.trim() ? '' : 'Please enter the join code.']);
  }
  return showProblems(pairs);
}

/** Where a refusal is shown: next to its field when it is about one, else under the form. */
function showRefusal(failure) {
  const text = api.explain(failure);
  const field = {
    name_taken: nameInput,
    bad_join_code: joinCodeInput,
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
  const joinCode = mode === 'create' && askJoinCode ? joinCodeInput.value.trim() : undefined;
  busy = true;
  setBusy(submitButton, true, spec.busy, spec.label);
  const result = mode === 'create'
    ? await api.register(name, passwordInput.value, joinCode)
    : await api.login(name, passwordInput.value);
  busy = false;
  setBusy(submitButton, false, spec.busy, spec.label);
  if (!result.ok) {
    showRefusal(result);
    return;
  }
  // The passwords are no longer needed: do not leave them in the page.
  passwordInput.value = '';
  repeatInput.value = '';
  onSignedIn(String(result.data.name ?? name));
});
