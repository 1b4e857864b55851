// storage.js: what this page remembers in localStorage between visits, and nothing else:
//   threadchat.name              the last name used, to prefill the forms
//   threadchat.<account>.since   the highest `seq` this browser received live or in a replay, for
//                                `?since=` on the next connection (PROTOCOL.md §3)
//   threadchat.<account>.open    the conversation that was open, to reopen it after a reload
//   threadchat.<account>.pending the outbox (pending.js)
//   threadchat.<account>.drafts  what was written and not sent, per conversation (drafts.js)
// <account> is the account's name as the server compares names (rules.js `nameKey`), so two people who share a
// browser never see each other's outbox, drafts or catch-up point.
//
// Storage may be disabled or full (private windows, quotas): every call then falls back to a
// copy in memory, so the page still works for as long as it stays open.

import { nameKey } from './rules.js';

const memory = new Map(); // used only when localStorage refuses

function read(key) {
  try {
    return localStorage.getItem(key);
  } catch {
    return memory.get(key) ?? null;
  }
}

function write(key, value) {
  try {
    if (value === null) localStorage.removeItem(key);
    else localStorage.setItem(key, value);
  } catch {
    if (value === null) memory.delete(key);
    else memory.set(key, value);
  }
}

const accountKey = (account, what) => `threadchat.${nameKey(account)}.${what}`;

/** A JSON value stored for `account` under `what`, or `fallback` if none (or unreadable). */
export function readJson(account, what, fallback) {
  const raw = read(accountKey(account, what));
  if (raw === null) return fallback;
  try {
    return JSON.parse(raw);
  } catch {
    return fallback;
  }
}

/** Stores `value` as JSON for `account` under `what`; null removes it. */
export function writeJson(account, what, value) {
  write(accountKey(account, what), value === null ? null : JSON.stringify(value));
}

export const lastName = () => read('threadchat.name') ?? '';
export const rememberName = (name) => write('threadchat.name', name);

/** The catch-up point: the highest seq received live or in a replay, or null. */
export function since(account) {
  const seq = readJson(account, 'since', null);
  return Number.isSafeInteger(seq) && seq > 0 ? seq : null;
}

/**
 * Raises the catch-up point to `seq` (never lowers it: another tab of the same account may be
 * further along, and each tab reads the stored value afresh).
 */
export function advanceSince(account, seq) {
  if (!Number.isSafeInteger(seq)) return;
  const current = since(account);
  if (current === null || seq > current) writeJson(account, 'since', seq);
}

/** Sets the catch-up point back to `seq` (a server whose store is newer than what we saw). */
export function resetSince(account, seq) {
  writeJson(account, 'since', Number.isSafeInteger(seq) && seq > 0 ? seq : null);
}
