// attention.js: what tells you something happened while you looked elsewhere. The tab's title
// counts unread messages, those of the open conversation included while the page is out of sight
// (conversations.js counts them; this module says whether you are looking). Opted in, a desktop
// notification for a private message or a message naming you that arrives while you are not
// looking at its conversation: browsers allow them only in a secure context (https, or the
// server's own machine as localhost / 127.0.0.1), so elsewhere the sidebar says why there are
// none. The choice is kept per account (storage.js `notify`).

import * as conversations from './conversations.js';
import * as me from './me.js';
import * as navigate from './navigate.js';
import { readJson, writeJson } from './storage.js';

const $ = (id) => document.getElementById(id);
const BODY_CHARS = 140; // a notification shows a line or two; the rest is in the chat

/** Whether the person can see the page now. */
export const inSight = () => document.visibilityState === 'visible';

const supported = () => 'Notification' in window && window.isSecureContext;
const wanted = () => readJson(me.accountName(), 'notify', false) === true;
const allowed = () => supported() && Notification.permission === 'granted' && wanted();

function renderTitle() {
  const total = conversations.totalUnread();
  document.title = total ? `(${total}) threadchat` : 'threadchat';
}

/** The sidebar's line about notifications: a switch, or why there is none. */
export function renderControl() {
  const button = $('notify');
  const note = $('notify-note');
  let why = '';
  if (!supported()) why = 'Notifications need https, or the server’s own machine (localhost).';
  else if (Notification.permission === 'denied') why = 'Notifications are blocked in this browser’s settings.';
  note.textContent = why;
  note.hidden = why === '';
  button.hidden = why !== '';
  const on = allowed();
  button.setAttribute('aria-pressed', String(on));
  button.textContent = on ? 'Notifications on' : 'Notifications off';
}

async function toggle() {
  if (!supported()) return;
  if (allowed()) {
    writeJson(me.accountName(), 'notify', false);
  } else {
    // Asked only on a click: browsers refuse (and users resent) a prompt nobody asked for.
    const permission = Notification.permission === 'granted' ? 'granted' : await Notification.requestPermission();
    writeJson(me.accountName(), 'notify', permission === 'granted');
  }
  renderControl();
}

/** A live message from someone else arrived in `key`; `mention`: it names you. */
export function arrived(key, frame, { mention }) {
  const conversation = conversations.get(key);
  if (!conversation || !allowed()) return;
  if (conversation.kind !== 'dm' && !mention) return;
  if (inSight() && key === conversations.currentKey()) return; // you are reading it
  const from = String(frame.from);
  const title = conversation.kind === 'dm' ? from : `${from} in #${conversation.name}`;
  const text = String(frame.text);
  const body = text.length > BODY_CHARS ? `${text.slice(0, BODY_CHARS - 1)}…` : text;
  // One per conversation at a time: a newer one replaces it rather than piling up.
  const shown = new Notification(title, { body, tag: key });
  shown.addEventListener('click', () => {
    window.focus();
    navigate.choose(key);
    shown.close();
  });
}

conversations.onChange(renderTitle);
document.addEventListener('visibilitychange', () => {
  // Back in sight: the open conversation's messages are in front of you now.
  if (inSight()) conversations.markRead(conversations.currentKey());
});
$('notify').addEventListener('click', toggle);
