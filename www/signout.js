// signout.js: "Sign out?", the small dialog between the account menu's Sign out and the real
// thing. A modal <dialog> (like password.js's): the browser keeps the keyboard inside it, Escape
// and Cancel close it without doing anything, and it gives the keyboard back to the menu's button
// afterwards. It says what signing out costs: if messages are still unsent, that they are deleted
// from this browser (on a shared classroom computer the next person must not find them). Only
// its Sign out button calls `onConfirmed`; app.js then signs out.

const $ = (id) => document.getElementById(id);
const dialog = $('signout-dialog');

let unsentCount = () => 0;
let onConfirmed = () => {};

/** unsent(): how many messages are not delivered yet; confirmed(): the person said yes. */
export function configure({ unsent, confirmed }) {
  unsentCount = unsent;
  onConfirmed = confirmed;
}

/** What the dialog says, for `unsent` undelivered messages. */
export function explain(unsent) {
  if (unsent === 0) return 'You will need your password to come back. Your messages stay in the chat.';
  const what = unsent === 1 ? '1 message has' : `${unsent} messages have`;
  const them = unsent === 1 ? 'it' : 'them';
  return `${what} not been sent yet. Signing out deletes ${them} from this browser.`;
}

/** Asks; the answer arrives through `confirmed` (yes) or not at all (no). */
export function open() {
  if (dialog.open) return;
  $('signout-text').textContent = explain(unsentCount());
  dialog.returnValue = '';
  dialog.showModal();
  $('signout-cancel').focus(); // the safe answer is the one a stray Enter gives
}

/** Closes the dialog if it is open, saying no (e.g. when the session ended meanwhile). */
export function close() {
  if (dialog.open) dialog.close('cancel');
}

// The form's method="dialog" closes it with the clicked button's value.
dialog.addEventListener('close', () => {
  if (dialog.returnValue === 'confirm') onConfirmed();
});
// Clicking the dimmed backdrop (the dialog element itself, outside its form) is a no.
dialog.addEventListener('click', (event) => {
  if (event.target === dialog) close();
});
