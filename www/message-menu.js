// message-menu.js: the small menu of one of your messages (Edit, Delete…), opened from its "⋯"
// button, and the "Delete this message?" dialog behind Delete. The menu follows the ARIA menu
// button pattern like the account menu (menu.js): the keyboard lands on its first item,
// ArrowUp/ArrowDown move, Escape, Tab and a click elsewhere close it and give the keyboard back to
// the button. Delete only ever happens from the dialog's Delete button: a stray tap deletes
// nothing.

const $ = (id) => document.getElementById(id);
const menu = $('message-menu');
const dialog = $('delete-dialog');
const entries = () => [...menu.querySelectorAll('[role="menuitem"]:not([hidden])')];

let opener = null; // the "⋯" button the menu belongs to
let chosen = { edit() {}, remove() {}, text: '' };

/**
 * Opens the menu under `button`: `edit()` (null: no Edit), `remove()` (after the dialog), `text`
 * (for the dialog), `theirs` (a moderator deleting someone else's message).
 */
export function open(button, given) {
  close();
  opener = button;
  chosen = given;
  $('message-edit').hidden = !given.edit;
  $('delete-theirs').hidden = !given.theirs;
  button.after(menu); // inside the message, so that it scrolls with it
  menu.classList.remove('up');
  menu.hidden = false;
  // Near the bottom of the list it would be cut off: it opens upwards there.
  const list = button.closest('ul');
  if (list && menu.getBoundingClientRect().bottom > list.getBoundingClientRect().bottom) menu.classList.add('up');
  button.setAttribute('aria-expanded', 'true');
  entries()[0].focus();
}

/** Closes the menu; `refocus` gives the keyboard back to its button. */
export function close({ refocus = false } = {}) {
  if (menu.hidden) return;
  menu.hidden = true;
  opener?.setAttribute('aria-expanded', 'false');
  if (refocus) opener?.focus();
}

function move(step) {
  const all = entries();
  const at = all.indexOf(document.activeElement);
  all[(at + step + all.length) % all.length].focus();
}

$('message-edit').addEventListener('click', () => {
  close();
  chosen.edit?.();
});
$('message-delete').addEventListener('click', () => {
  close();
  $('delete-text').textContent = chosen.text;
  dialog.returnValue = '';
  dialog.showModal();
  $('delete-cancel').focus(); // the safe answer is the one a stray Enter gives
});
menu.addEventListener('keydown', (event) => {
  const keys = { ArrowDown: () => move(1), ArrowUp: () => move(-1), Escape: () => close({ refocus: true }) };
  if (event.key === 'Tab') return close();
  if (!keys[event.key]) return;
  event.preventDefault();
  keys[event.key]();
});
document.addEventListener('click', (event) => {
  if (!menu.hidden && !menu.contains(event.target) && event.target !== opener) close();
});
dialog.addEventListener('close', () => {
  if (dialog.returnValue === 'confirm') chosen.remove();
  opener?.focus();
});
// Clicking the dimmed backdrop (the dialog element itself, outside its form) is a no.
dialog.addEventListener('click', (event) => {
  if (event.target === dialog) dialog.close('cancel');
});
