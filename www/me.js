// me.js: who you are in this page, held here and nowhere else. Three facts, each with one owner:
//   the account   the name you signed in (or entered as a guest) with, as typed: the key of
//                 everything this browser remembers for you (storage.js)
//   your name     as the server spells it: from each `welcome` (until the first, as typed)
//   welcomed      a welcome has arrived since you came in, so a later loss is a *lost* connection
//                 and the next welcome a reconnection (the current connection's own state is
//                 link.js's)
// chat.js changes them (sign-in, welcome, sign-out); every other module only reads them.

import { nameKey } from './rules.js';

let account = '';
let name = '';
let welcomed = false;

/** You came in as `typed` (a sign-in, a live session, a guest's name): nobody welcomed yet. */
export function signIn(typed) {
  account = String(typed);
  name = account;
  welcomed = false;
}

/** A welcome named you `you`; true if it is the first since you came in. */
export function welcome(you) {
  const first = !welcomed;
  name = String(you);
  welcomed = true;
  return first;
}

/** You left (a sign-out, or a session that ended): nobody is here. */
export function signOut() {
  account = '';
  name = '';
  welcomed = false;
}

export const accountName = () => account;
export const myName = () => name;
export const wasWelcomed = () => welcomed;

/** Whether `other` is you, compared as the server compares names. */
export const isMe = (other) => nameKey(other) === nameKey(name);
