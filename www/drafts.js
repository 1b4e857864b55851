// drafts.js: what you started writing in each conversation and have not sent, so that a draft
// stays with its conversation (typed in #general, it is not what Enter sends to @bob) and survives
// a reload. Kept in localStorage under your account (storage.js `drafts`), so two people who share
// a browser never see each other's; a deliberate sign-out deletes them all (app.js), as it does the
// outbox. Nothing here touches the page: composer.js swaps the box's text when the open
// conversation changes.
//
// Stored as one object, conversation key → text, in the order they were last edited (a JSON
// object keeps the order of keys that are not numbers, and ours start with "r/" or "d/"). It is
// bounded: past MAX_DRAFTS the draft edited longest ago goes. Each call reads what is stored afresh,
// as another tab of the same account may have changed another conversation's draft meanwhile.

import * as me from './me.js';
import { readJson, writeJson } from './storage.js';

const MAX_DRAFTS = 50;

function stored() {
  const drafts = readJson(me.accountName(), 'drafts', null);
  return drafts !== null && typeof drafts === 'object' && !Array.isArray(drafts) ? drafts : {};
}

/** The draft of conversation `key`, or ''. */
export function get(key) {
  const text = stored()[key];
  return typeof text === 'string' ? text : '';
}

/** Keeps `text` as the draft of `key`, the newest of all; a blank one (a sent message) is dropped. */
export function keep(key, text) {
  const drafts = stored();
  delete drafts[key]; // (set again below: last in the order)
  if (text.trim() !== '') drafts[key] = text;
  const keys = Object.keys(drafts);
  for (const oldest of keys.slice(0, Math.max(0, keys.length - MAX_DRAFTS))) delete drafts[oldest];
  writeJson(me.accountName(), 'drafts', keys.length > 0 ? drafts : null);
}

/** Deletes every draft of this account (a sign-out). */
export function discardAll() {
  writeJson(me.accountName(), 'drafts', null);
}
