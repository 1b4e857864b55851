// composer.js: the message box under the open conversation, and your messages until they are
// delivered. The box is a text area that grows with what is written, up to about eight rows (then
// it scrolls): Enter sends, Shift+Enter starts a new line (and an Enter that an input method uses
// to pick a word sends nothing), pasted lines stay lines. Nothing is ever cut: near the server's
// limit (/api/info's max_text_bytes, in UTF-8 bytes as the server counts them) a note under the
// box says how many characters are left, or too many, and Send waits (limit.js says it in
// characters). A message goes into the outbox (pending.js), which sends it
// with an id as soon as the connection is ready, and shows it at once as pending (messages.js).
// A lost connection never fails a message: it stays pending and goes out again after the
// reconnect. Only the server's refusal fails it, and then its Retry and Discard buttons land
// here. While you type, `typing` notices go out (typing.js decides how often). Control characters
// (pasted from a terminal, say) are invisible and the server refuses them, so they are dropped.
// Each conversation has its own draft (drafts.js): opening another puts its draft in the box.
// Editing one of your messages happens here too (edits.js starts it: ↑ in an empty box, or Edit
// in a message's menu): the box holds its text, a line says so, Send says Save, Enter saves and
// Escape puts the draft back.

import * as conversations from './conversations.js';
import * as drafts from './drafts.js';
import * as link from './link.js';
import * as me from './me.js';
import * as messages from './messages.js';
import * as pending from './pending.js';
import * as staff from './staff.js';
import * as typing from './typing.js';
import * as view from './view.js';
import { measure } from './limit.js';
import { CONTROL_RE } from './rules.js';

const form = document.getElementById('composer');
const textInput = document.getElementById('text');

let maxTextBytes = 4096; // replaced by /api/info's max_text_bytes
let shownKey = null; // the conversation whose draft is in the box, or null
let editing = null; // { key, seq, original, draft } while a message of yours is being edited
let handlers = { editLast() { return false; }, save() {} };
let blocked = ''; // why you cannot write here now (silence.js), or ''

/** Disables the box with `why` said in its place (a mute, a read-only room, slow mode), or ('') not. */
export function setBlocked(why) {
  blocked = why;
  const note = document.getElementById('composer-block');
  note.textContent = why;
  note.hidden = why === '';
  form.dataset.blocked = String(why !== '');
  textInput.disabled = shownKey === null || why !== '';
  document.getElementById('send').disabled = why !== '';
}

/** editLast(key): ↑ in an empty box, true if it began an edit; save(editing, text): Save. */
export function configure(given) {
  handlers = { ...handlers, ...given };
}

/** Begins editing your message `seq` of `key`, whose text is `original`. */
export function beginEdit(key, seq, original) {
  if (key !== shownKey) return;
  if (!editing) editing = { key, seq, original, draft: textInput.value };
  Object.assign(editing, { seq, original });
  setText(original);
  view.setEditing(true);
  textInput.focus();
  textInput.setSelectionRange(original.length, original.length);
}

/** Stops editing; the draft that was in the box comes back. */
export function endEdit() {
  if (!editing) return;
  const { draft } = editing;
  editing = null;
  view.setEditing(false);
  setText(draft);
}

/** The server's facts (from /api/info): the text limit. */
export function useInfo(info) {
  if (Number.isInteger(info.max_text_bytes) && info.max_text_bytes > 0) {
    maxTextBytes = info.max_text_bytes;
    checkLength();
  }
}

/** The box of `conversation` (navigate.js opened it), or (null) none: the box is disabled. */
export function show(conversation) {
  const key = conversation?.key ?? null;
  textInput.disabled = key === null || blocked !== '';
  textInput.placeholder = conversation ? `Message ${conversation.kind === 'room' ? '#' : '@'}${conversation.name}` : '';
  if (key === shownKey) return checkLength(); // (opened again, after a reconnection: as it is)
  if (editing) endEdit(); // an edit belongs to the conversation it was begun in
  shownKey = key;
  setText(key === null ? '' : drafts.get(key));
}

/** Puts the keyboard in the box, so that typing goes there (not under a dialog, nor into a disabled box). */
export function focus() {
  if (textInput.disabled || document.querySelector('dialog[open]')) return;
  textInput.focus();
}

/** How many of your messages are not delivered yet (pending or failed). */
export const unsentCount = () => pending.all().length;

/** Deletes every undelivered message, from the outbox and from the lists, and every draft (a sign-out). */
export function discardUnsent() {
  drafts.discardAll();
  for (const entry of pending.discardAll()) {
    messages.removePending(conversations.keyOf(entry.kind, entry.name), entry.id);
  }
}

const openConversation = () => conversations.get(conversations.currentKey());
// What would be sent: the server refuses control characters, and they are invisible anyway.
const textToSend = () => textInput.value.replace(CONTROL_RE, '');

/** Puts `text` in the box, sized and measured. */
function setText(text) {
  textInput.value = text;
  fitHeight();
  checkLength();
}

let fittedWidth = -1; // the composer's width when the box was last sized

/**
 * As high as its lines, up to the CSS max-height (about eight rows; beyond, it scrolls). Measured
 * at `auto` first, so that it also shrinks. (A style set from script is allowed by the page's CSP;
 * a style attribute in the HTML would not be.) A hidden box has no lines to measure: it keeps the
 * CSS height, and is sized when it shows (below).
 */
function fitHeight() {
  fittedWidth = form.clientWidth;
  if (fittedWidth === 0) {
    textInput.style.height = '';
    return;
  }
  // (Measuring at one row moves the list's scroll for a moment: messages.js puts it back.)
  messages.keepingPlaceAcrossResize(() => {
    const borders = textInput.offsetHeight - textInput.clientHeight;
    textInput.style.height = 'auto';
    textInput.style.height = `${textInput.scrollHeight + borders}px`;
  });
}

/** The note under the box near or over the limit; over it, Send waits. */
function checkLength() {
  const { tooLong, note } = measure(textToSend(), maxTextBytes);
  view.setLengthNote(note, tooLong);
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  textInput.focus(); // keep typing after clicking Send
  const text = textToSend();
  const conversation = openConversation();
  if (editing) {
    if (measure(text, maxTextBytes).tooLong) return;
    // An emptied or unchanged text saves nothing (Delete is in the message's menu).
    if (text.trim() !== '' && text !== editing.original) handlers.save(editing, text);
    return endEdit();
  }
  // Too long: the note under the box already says by how much; nothing is cut, nothing sent.
  if (text.trim() === '' || !conversation || blocked || measure(text, maxTextBytes).tooLong) return;
  const entry = pending.submit({ kind: conversation.kind, name: conversation.name, text });
  if (conversation.kind === 'room') staff.posted(conversation.name);
  messages.addPending(conversation.key, entry, me.myName());
  typing.noteSent(conversation.key);
  setText('');
  drafts.keep(conversation.key, '');
  if (!link.isReady()) view.showSendError('Not connected: your message will be sent when the connection is back.');
});

textInput.addEventListener('keydown', (event) => {
  if (event.key === 'Escape' && editing) {
    event.preventDefault();
    return endEdit();
  }
  // ↑ in an empty box edits your last message, as in Slack and Discord.
  const plain = !event.shiftKey && !event.altKey && !event.ctrlKey && !event.metaKey;
  if (event.key === 'ArrowUp' && plain && !editing && textInput.value === '' && shownKey !== null) {
    if (handlers.editLast(shownKey)) event.preventDefault();
    return;
  }
  // Shift+Enter is a new line. While an input method composes (Japanese, Chinese, Korean...) its
  // Enter picks a word; Safari reports that key as keyCode 229 after the composition has ended.
  if (event.key !== 'Enter' || event.shiftKey || event.isComposing || event.keyCode === 229) return;
  event.preventDefault();
  form.requestSubmit();
});

// The lines wrap anew when the composer's width changes: a resized window, or the chat shown (the
// sign-in form hid it). Sized a frame later, not inside the observer's callback: resizing what it
// observes from there would be reported as a ResizeObserver loop error.
new ResizeObserver(() => requestAnimationFrame(() => {
  if (form.clientWidth !== fittedWidth) fitHeight();
})).observe(form);

textInput.addEventListener('input', () => {
  fitHeight();
  checkLength();
  if (editing) return; // neither a draft nor typing: the message is being edited
  if (shownKey !== null) drafts.keep(shownKey, textInput.value);
  const conversation = openConversation();
  if (conversation && textInput.value.trim() !== '') typing.noteInput(conversation);
});

// A failed message's buttons (messages.js finds which message; the outbox knows where it goes).
messages.configure({
  retry(id) {
    const entry = pending.get(id);
    if (!entry) return;
    messages.setPending(conversations.keyOf(entry.kind, entry.name), id);
    pending.retry(id);
  },
  discard(id) {
    const entry = pending.get(id);
    if (entry) messages.removePending(conversations.keyOf(entry.kind, entry.name), id);
    pending.remove(id);
  },
});
