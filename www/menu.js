// menu.js: the header's account menu. One button (your initial and name, the name hidden on a
// phone) opens a small menu of what you can do with your account: Change password, Sign out.
// Both open a dialog (password.js, signout.js), so nothing here acts at once: a stray tap on a
// phone signs nobody out.
//
// It follows the ARIA menu button pattern: the button says aria-haspopup="menu" and whether it is
// open (aria-expanded); Enter, Space or ArrowDown open it on the first item, ArrowUp on the last;
// ArrowUp/ArrowDown/Home/End move between items; Escape closes it and puts the keyboard back on
// the button; so do Tab (moving on), a click anywhere else, and choosing an item.

const $ = (id) => document.getElementById(id);
const button = $('account-button');
const menu = $('account-menu');
const items = () => [...menu.querySelectorAll('[role="menuitem"]:not([hidden])')];

let actions = { changePassword() {}, signOut() {} };

/** changePassword(), signOut(): what the items do (each opens its dialog). */
export function configure(given) {
  actions = { ...actions, ...given };
}

export const isOpen = () => !menu.hidden;

/** Opens the menu with the keyboard on item `at` (0 the first, -1 the last). */
function open(at = 0) {
  menu.hidden = false;
  button.setAttribute('aria-expanded', 'true');
  const all = items();
  all.at(at)?.focus();
}

/** Closes the menu if open; `refocus` puts the keyboard back on its button. */
export function close({ refocus = false } = {}) {
  if (menu.hidden) return;
  menu.hidden = true;
  button.setAttribute('aria-expanded', 'false');
  if (refocus) button.focus();
}

/** Moves the keyboard `step` items on (wrapping), or to `to` ('first' | 'last'). */
function move(step, to) {
  const all = items();
  const at = all.indexOf(document.activeElement);
  const next = to === 'first' ? 0 : to === 'last' ? all.length - 1 : (at + step + all.length) % all.length;
  all[next].focus();
}

button.addEventListener('click', () => (isOpen() ? close({ refocus: true }) : open()));
button.addEventListener('keydown', (event) => {
  if (event.key !== 'ArrowDown' && event.key !== 'ArrowUp') return;
  event.preventDefault();
  open(event.key === 'ArrowDown' ? 0 : -1);
});

const KEYS = {
  ArrowDown: () => move(1),
  ArrowUp: () => move(-1),
  Home: () => move(0, 'first'),
  End: () => move(0, 'last'),
  Escape: () => close({ refocus: true }),
};

menu.addEventListener('keydown', (event) => {
  if (event.key === 'Tab') return close(); // the keyboard goes on to what follows the button
  const key = KEYS[event.key];
  if (!key) return;
  event.preventDefault();
  event.stopPropagation(); // Escape here is the menu's, not the drawer's
  key();
});

menu.addEventListener('click', (event) => {
  const item = event.target.closest('[role="menuitem"]');
  if (!item) return;
  // Back on the button first: the dialog then gives the keyboard back to it when it closes.
  close({ refocus: true });
  if (item.id === 'open-profile') actions.displayName();
  else if (item.id === 'open-password') actions.changePassword();
  else if (item.id === 'sign-out') actions.signOut();
  else if (item.id === 'open-class') actions.classSettings?.();
});

// A click (or tap) anywhere else closes it; so does the keyboard leaving it.
document.addEventListener('pointerdown', (event) => {
  if (isOpen() && !button.contains(event.target) && !menu.contains(event.target)) close();
});
menu.addEventListener('focusout', (event) => {
  if (isOpen() && event.relatedTarget && !menu.contains(event.relatedTarget) && event.relatedTarget !== button) close();
});
