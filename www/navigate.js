// navigate.js: which conversation is open, and opening another. Opening one keeps where the
// reader of the previous one had scrolled, shows the new one's list (messages.js) where its
// reader left it (or at the "New messages" divider when some came meanwhile), names it at the top ("# math", "@ bob", with the person's presence) with a
// Leave button for rooms, shows who is typing there, asks for its history the first time
// (history.js), clears its unread count (conversations.js), puts its draft in the message box
// and, on a wide screen, the keyboard there (composer.js). The open conversation is remembered
// per account, so that a reload comes back to it.

import * as composer from './composer.js';
import * as conversations from './conversations.js';
import * as history from './history.js';
import * as link from './link.js';
import * as me from './me.js';
import * as messages from './messages.js';
import * as moderate from './moderate.js';
import * as people from './people.js';
import * as readmark from './readmark.js';
import * as roster from './roster.js';
import * as sidebar from './sidebar.js';
import * as silence from './silence.js';
import * as typing from './typing.js';
import { readJson, writeJson } from './storage.js';

const $ = (id) => document.getElementById(id);
const PRESENCE = { true: 'online', false: 'offline', null: '' };

/** The conversation name at the top, and what goes with it. */
export function renderHeader() {
  moderate.renderControls(); // the staff's buttons follow what is open
  const conversation = conversations.get(conversations.currentKey());
  const title = $('conversation-title');
  const info = $('conversation-info');
  // "You are in no room" is news only once the server has said so (in its welcome).
  $('no-conversation').hidden = conversation !== null || !link.isWelcomed();
  $('leave-room').hidden = conversation?.kind !== 'room';
  if (!conversation) {
    title.textContent = link.isWelcomed() ? 'No conversation' : '';
    delete title.dataset.key;
    info.textContent = '';
    delete info.dataset.online;
    return;
  }
  const sigil = conversation.kind === 'room' ? '#' : '@';
  const mark = document.createElement('span');
  mark.className = 'sigil';
  mark.textContent = sigil;
  const shown = conversation.kind === 'dm' ? people.label(conversation.name) : conversation.name;
  title.replaceChildren(mark, ` ${shown}`);
  title.dataset.key = conversation.key;
  // While disconnected, nobody's presence is known: the last word heard would be a guess.
  const online = conversation.kind === 'dm' && link.isWelcomed() ? people.onlineState(conversation.name) : undefined;
  info.textContent = conversation.kind === 'dm' ? (me.isMe(conversation.name) ? 'notes to yourself' : PRESENCE[online] ?? '') : '';
  if (online === undefined) delete info.dataset.online;
  else info.dataset.online = String(online);
}

/** Opens `key` (a known conversation), or shows that none is open. */
export function open(key) {
  const previous = conversations.get(conversations.currentKey());
  const next = conversations.get(key);
  if (previous && previous !== next) {
    readmark.leaving(previous.key);
    previous.scroll = messages.scrollPlace(previous.key);
  }
  // Before opening clears them: where the unread begin, by the server's position if it said.
  const unread = {
    count: next && next !== previous ? next.unread : 0,
    after: next?.readSeq ?? null,
    paged: next ? next.history.asked && !next.history.loading : false,
  };
  conversations.setCurrent(next ? next.key : null);
  if (next) messages.show(next.key, next.scroll, unread);
  else messages.showNone();
  renderHeader();
  composer.show(next);
  silence.render();
  typing.render();
  if (!next) return;
  readmark.soon();
  history.openFirst(next.key);
  writeJson(me.accountName(), 'open', next.key);
  // Whatever opened it (a sign-in, a reload, a new room, a choice), typing goes on here. Not on a
  // phone: there focus brings up the keyboard over half of the messages one came to read.
  if (!sidebar.isNarrow()) composer.focus();
}

/** A conversation picked in the sidebar (a private one is created on the way). */
export function choose(key) {
  if (key.startsWith('d/') && !conversations.has(key)) {
    const person = people.list().find((p) => conversations.dmKey(p.name) === key);
    if (!person) return;
    conversations.ensure('dm', person.name);
  }
  open(key);
  sidebar.closeDrawer({ refocus: true });
}

/**
 * Opens something sensible: the conversation open before (kept across reloads), else general,
 * else your first room, else nothing.
 */
export function openDefault() {
  const remembered = readJson(me.accountName(), 'open', null);
  const candidates = [conversations.currentKey(), remembered, conversations.roomKey('general')];
  const key = candidates.find((k) => typeof k === 'string' && conversations.has(k))
    ?? conversations.rooms()[0]?.key ?? null;
  open(key);
}

sidebar.configure({ choose });
roster.configure({ choose });
people.onChange(() => {
  // The open private conversation's "online" / "offline" follows presence.
  if (conversations.currentKey()?.startsWith('d/')) renderHeader();
});
