// class-panel.js: the owners' and moderators' two dialogs. "Room settings" (from a room's header):
// read-only, and slow mode. "Class settings" (from the account menu): registration, open, with a
// join code (typed, or a new one made here) or closed, for owners; who is connected, with their
// tabs, addresses and mutes; and the moderation log, newest first, page by page, with the text of
// a deleted message for owners. Everything goes through moderate.js's `request`, and what came
// back is shown through textContent only.

import * as conversations from './conversations.js';
import * as moderate from './moderate.js';
import * as staff from './staff.js';
import { clock } from './days.js';
import { el } from './items.js';

const $ = (id) => document.getElementById(id);
const roomDialog = $('room-settings-dialog');
const classDialog = $('class-dialog');
const classNote = $('class-note');
let registration = { mode: 'open', join_code: '' }; // as /api/info and `registration` frames say
let oldestShown = null; // the log's oldest `n` shown, to page back from

// ---- room settings ---------------------------------------------------------------------------

function openRoom() {
  const conversation = conversations.get(conversations.currentKey());
  return conversation?.kind === 'room' ? conversation.name : null;
}

$('room-settings').addEventListener('click', () => {
  const room = openRoom();
  if (!room) return;
  const rules = staff.rulesOf(room);
  $('room-settings-name').textContent = room;
  $('room-read-only').checked = rules.readOnly;
  const slow = $('room-slow');
  slow.value = String(rules.slowSeconds);
  if (slow.value !== String(rules.slowSeconds)) slow.value = '0'; // a value set elsewhere
  roomDialog.returnValue = '';
  roomDialog.showModal();
  $('room-read-only').focus();
});

roomDialog.addEventListener('close', async () => {
  const room = $('room-settings-name').textContent;
  $('room-settings').focus();
  if (roomDialog.returnValue !== 'confirm' || !room) return;
  const answer = await moderate.request({
    type: 'room_settings', room, read_only: $('room-read-only').checked, slow_seconds: Number($('room-slow').value),
  });
  if (answer.type === 'room_settings') staff.setRules(answer.room, answer);
  moderate.say(moderate.refusal(answer) || `#${room}: ${describeRules(answer)}.`);
});

function describeRules(rules) {
  const parts = [rules.read_only ? 'read-only' : 'everyone may post'];
  if (rules.slow_seconds) parts.push(`slow mode, one message every ${rules.slow_seconds} s`);
  return parts.join(', ');
}

// ---- class settings --------------------------------------------------------------------------

/** The server's facts (/api/info): who may register now. */
export function useInfo(info) {
  if (typeof info.registration === 'string') registration = { ...registration, mode: info.registration };
}

/** A `registration` frame (an owner changed it, here or elsewhere). */
export function onRegistration(frame) {
  registration = { mode: String(frame.mode), join_code: typeof frame.join_code === 'string' ? frame.join_code : '' };
  if (classDialog.open) showRegistration();
}

function showRegistration() {
  $('class-registration').hidden = !staff.isOwner();
  for (const radio of classDialog.querySelectorAll('input[name="registration"]')) {
    radio.checked = radio.value === registration.mode;
  }
  $('registration-join-code').value = registration.join_code;
}

/** A fresh code a class can type: two short words' worth of letters and digits. */
function newCode() {
  const letters = 'abcdefghjkmnpqrstuvwxyz23456789';
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  const chars = [...bytes].map((b) => letters[b % letters.length]);
  return `${chars.slice(0, 4).join('')}-${chars.slice(4).join('')}`;
}

$('registration-new-code').addEventListener('click', () => {
  $('registration-join-code').value = newCode();
  classDialog.querySelector('input[value="code"]').checked = true;
});

$('registration-save').addEventListener('click', async () => {
  const mode = classDialog.querySelector('input[name="registration"]:checked')?.value ?? 'open';
  const code = $('registration-join-code').value.trim();
  if (mode === 'code' && !code) {
    classNote.textContent = 'Type a join code, or make a new one.';
    return;
  }
  const frame = mode === 'code' ? { type: 'registration', mode, join_code: code } : { type: 'registration', mode };
  const answer = await moderate.request(frame);
  if (answer.type === 'registration') onRegistration(answer);
  const said = { open: 'Registration is open.', code: `Registration needs the code ${code}.`, closed: 'Registration is closed.' };
  classNote.textContent = moderate.refusal(answer) || said[mode];
});

function line(text, testid) {
  const li = el('li', '', text);
  if (testid) li.dataset.testid = testid;
  return li;
}

async function showConnections() {
  const answer = await moderate.request({ type: 'connections' });
  if (answer.type !== 'connections') {
    $('connected-list').replaceChildren(line(moderate.refusal(answer)));
    return;
  }
  const rows = answer.users.map((user) => {
    const muted = !user.muted ? '' : user.muted_until === null ? ', muted until lifted' : `, muted until ${clock(user.muted_until)}`;
    const tabs = user.tabs === 1 ? '1 tab' : `${user.tabs} tabs`;
    const role = user.role === 'member' ? '' : ` (${user.role})`;
    return line(`${user.user}${role}: ${tabs} from ${user.addresses.join(', ')}${muted}`, 'connected-user');
  });
  if (answer.more) rows.push(line('…and more'));
  $('connected-list').replaceChildren(...rows);
}

/** One log entry, in words. */
function describe(entry) {
  const when = new Date(entry.ts).toLocaleString([], { dateStyle: 'short', timeStyle: 'short' });
  const what = {
    delete: () => `deleted a message of ${entry.user}${entry.room ? ` in #${entry.room}` : ''}`
      + (typeof entry.text === 'string' ? `: “${entry.text}”` : ''),
    mute: () => `muted ${entry.user} ${entry.minutes ? `for ${entry.minutes} min` : 'until lifted'}`,
    unmute: () => `unmuted ${entry.user}`,
    suspend: () => `suspended ${entry.user}${entry.delete_messages ? ' and deleted their messages' : ''}`,
    unsuspend: () => `unsuspended ${entry.user}`,
    reset_code: () => `gave ${entry.user} a password reset code`,
    registration: () => `set registration to ${entry.mode}`,
    role: () => (entry.via ? `became the owner (${entry.via === 'setup_link' ? 'setup link' : '--owner'})`
      : `made ${entry.user} ${{ member: 'a member', moderator: 'a moderator', owner: 'an owner' }[entry.role] ?? entry.role}`),
    room_settings: () => `set #${entry.room} to ${describeRules(entry)}`,
  }[entry.action];
  return `${when} · ${entry.by} ${what ? what() : entry.action}`;
}

async function showLog({ older = false } = {}) {
  const frame = older && oldestShown !== null ? { type: 'audit', limit: 50, before: oldestShown } : { type: 'audit', limit: 50 };
  const answer = await moderate.request(frame);
  if (answer.type !== 'audit') {
    $('audit-list').replaceChildren(line(moderate.refusal(answer)));
    return;
  }
  const rows = [...answer.entries].reverse().map((entry) => line(describe(entry), 'audit-entry'));
  if (older) $('audit-list').append(...rows);
  else $('audit-list').replaceChildren(...rows);
  if (!older && rows.length === 0) $('audit-list').replaceChildren(line('Nothing yet.'));
  if (answer.entries.length) oldestShown = answer.entries[0].n;
  $('audit-older').hidden = !answer.more;
}

/** Opens Class settings (from the account menu). */
export function open() {
  if (!staff.moderates()) return;
  classNote.textContent = '';
  oldestShown = null;
  showRegistration();
  classDialog.showModal();
  classDialog.querySelector('[value="close"]').focus();
  showConnections();
  showLog();
}

$('connected-refresh').addEventListener('click', showConnections);
$('audit-older').addEventListener('click', () => showLog({ older: true }));
