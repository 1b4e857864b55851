// profile.js: the "Display name" dialog (the account menu's first item). It sends `profile`
// (PROTOCOL.md §4) and closes when the server answers with your own `profile` frame; a refusal
// (`bad_display_name`, `display_name_taken`) is shown in the dialog, which stays open. A modal
// <dialog> like password.js's: Escape and Cancel close it, and the keyboard goes back to the menu.

import * as link from './link.js';
import * as me from './me.js';
import * as people from './people.js';

const $ = (id) => document.getElementById(id);
const dialog = $('profile-dialog');
const input = $('profile-name');
const error = $('profile-error');
export const REFUSALS = new Set(['bad_display_name', 'display_name_taken']);

let waiting = false; // a `profile` is out, and the dialog waits for its answer

export function open() {
  if (dialog.open) return;
  input.value = people.displayOf(me.myName()) ?? '';
  error.textContent = '';
  waiting = false;
  dialog.showModal();
  input.focus();
  input.select();
}

export function close() {
  if (dialog.open) dialog.close();
}

/** Your own `profile` frame came back: saved. */
export function saved() {
  if (waiting) close();
  waiting = false;
}

/** The server refused the name: say why, and let the person try another. */
export function refused(message) {
  if (!dialog.open) return false;
  waiting = false;
  error.textContent = message;
  input.focus();
  return true;
}

$('profile-form').addEventListener('submit', (event) => {
  event.preventDefault();
  error.textContent = '';
  if (!link.send({ type: 'profile', display_name: input.value })) {
    error.textContent = 'Not connected: try again when the connection is back.';
    return;
  }
  waiting = true;
});
$('profile-cancel').addEventListener('click', close);
