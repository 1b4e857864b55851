// edits.js: editing and deleting your own messages (PROTOCOL.md §4 `edit`, `delete`). For
// /api/info's `edit_window` seconds after sending, a message of yours has a menu (message-menu.js:
// Edit, Delete with a confirmation); owners and moderators have Delete on anyone's, at any time, and ↑ in an empty composer edits your last one (composer.js
// holds the edit). A change goes through the outbox (pending.js) like a message, so one made
// while offline is sent once when the connection is back, with the same id on every try; an
// edit shows its new text at once, marked "saving…", until the server's `edited` comes back.
// Every tab applies the server's `edited` and `deleted` events (chat.js hands them here): an
// edited message says "(edited)", a deleted one becomes a "message deleted" stub in its place.

import * as composer from './composer.js';
import * as conversations from './conversations.js';
import * as items from './items.js';
import * as menu from './message-menu.js';
import * as messages from './messages.js';
import * as pending from './pending.js';
import * as staff from './staff.js';
import * as view from './view.js';

const MINUTE_MS = 60_000;
let windowMs = 600_000; // replaced by /api/info's edit_window

/** The server's facts (from /api/info): how long a message may be changed. */
export function useInfo(info) {
  if (Number.isFinite(info.edit_window) && info.edit_window >= 0) windowMs = info.edit_window * 1000;
  markExpired();
}

/** Message `seq` in `key`'s list, if it is held. */
function itemOf(key, seq) {
  const list = messages.listOf(key);
  return list ? [...list.querySelectorAll(':scope > .msg')].find((li) => li.dataset.seq === String(seq)) ?? null : null;
}

/** Whether `li` is yours, delivered, not deleted, and still within the window. */
function changeable(li) {
  return li.classList.contains('mine') && li.dataset.state === 'delivered' && li.dataset.deleted !== 'true'
    && Date.now() - Number(li.dataset.ts) < windowMs;
}

/** A message's text as written (items.js keeps it). */
const textOf = (li) => li.rawText ?? '';

/** Hides the menu button of your messages whose window has passed (checked once a minute). */
function markExpired() {
  for (const li of document.querySelectorAll('#message-area .msg.mine[data-state="delivered"]')) {
    li.dataset.expired = String(!changeable(li) && li.dataset.deleted !== 'true');
  }
}
setInterval(markExpired, MINUTE_MS);

/** ↑ in an empty box: edits your newest changeable message in `key`; false if there is none. */
function editLast(key) {
  const list = messages.listOf(key);
  const mine = list ? [...list.querySelectorAll(':scope > .msg.mine[data-state="delivered"]')] : [];
  const li = mine.reverse().find(changeable);
  if (!li) return false;
  composer.beginEdit(key, Number(li.dataset.seq), textOf(li));
  return true;
}

/** Save in the composer: the edit goes out through the outbox, and shows at once. */
function save({ key, seq, original }, text) {
  const conversation = conversations.get(key);
  const li = itemOf(key, seq);
  if (!conversation || !li) return;
  pending.submitChange({ kind: conversation.kind, name: conversation.name, seq, text, was: original });
  items.setText(li, text);
  items.setChangePending(li, 'saving…');
}

/** Delete, confirmed: goes out through the outbox; the stub comes with the server's event. */
function remove(key, li) {
  const conversation = conversations.get(key);
  if (!conversation) return;
  pending.submitChange({ kind: conversation.kind, name: conversation.name, seq: Number(li.dataset.seq), text: null });
  items.setChangePending(li, 'deleting…');
}

/** An `edited` or `deleted` event for message `frame.target` of `key` (live or replayed). */
export function apply(key, frame) {
  if (typeof frame.id === 'string') pending.remove(frame.id);
  const li = itemOf(key, frame.target);
  if (!li) return; // not held: its history brings it as it is now
  items.setChangePending(li, '');
  if (frame.type === 'deleted') return items.setDeleted(li);
  items.setText(li, String(frame.text));
  items.setEdited(li, frame.ts);
}

/** The server refused a change of yours (`entry`): its message shows what it holds again. */
export function refused(entry, why) {
  pending.remove(entry.id);
  const key = conversations.keyOf(entry.kind, entry.name);
  const li = itemOf(key, entry.seq);
  if (li) {
    items.setChangePending(li, '');
    if (entry.text !== null && typeof entry.was === 'string') items.setText(li, entry.was);
  }
  view.showSendError(why);
}

composer.configure({ editLast, save });
messages.configure({
  actions(key, li, button) {
    const delivered = li.dataset.state === 'delivered' && li.dataset.deleted !== 'true';
    const moderating = staff.moderates() && delivered;
    if (!changeable(li) && !moderating) return markExpired();
    menu.open(button, {
      edit: changeable(li) ? () => composer.beginEdit(key, Number(li.dataset.seq), textOf(li)) : null,
      remove: () => remove(key, li),
      text: textOf(li),
      // Someone else's: the log keeps its text for the owners (PROTOCOL.md `audit`).
      theirs: !li.classList.contains('mine'),
    });
  },
});
