// rules.js: the server's rules for names, passwords and texts (docs/PROTOCOL.md §2, §4), mirrored
// here so that the page catches most mistakes before it sends anything. The server checks them
// again and has the last word; these only save a round trip, and a failed sign-in that would
// count against the server's rate limit (5 failures a minute per name).

/** Control characters a message text may not hold: all but tab and newline (`text_invalid`). */
export const CONTROL_RE = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g;

/** A name the server accepts: 1–32 ASCII letters, digits, `_`, `-`. */
export const NAME_RE = /^[A-Za-z0-9_-]{1,32}$/;
export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 128;

/**
 * The key under which the server compares names (its `name_key`): ASCII letters folded to lower
 * case, nothing else changed. Two names with one key are one person, or one room.
 */
export const nameKey = (name) => String(name).replace(/[A-Z]/g, (letter) => letter.toLowerCase());

/** Why `name` would be refused, as a sentence, or '' if it is fine. */
export function nameProblem(name) {
  if (name === '') return 'Please enter a name.';
  if (!NAME_RE.test(name)) return 'A name is 1–32 letters, digits, _ or - (no spaces or accents).';
  return '';
}

/** Why `password` would be refused, as a sentence, or '' if it is fine. */
export function passwordProblem(password) {
  // The server counts characters, not UTF-16 units: spreading a string splits it by code point.
  const length = [...password].length;
  if (length === 0) return 'Please enter a password.';
  if (length < PASSWORD_MIN) return `A password has at least ${PASSWORD_MIN} characters.`;
  if (length > PASSWORD_MAX) return `A password has at most ${PASSWORD_MAX} characters.`;
  return '';
}

/** A server's lower-case phrase ("signed out: the password was changed") as a sentence. */
export function sentence(text) {
  const trimmed = String(text ?? '').trim();
  if (!trimmed) return '';
  const capital = trimmed[0].toUpperCase() + trimmed.slice(1);
  return /[.!?…]$/.test(capital) ? capital : `${capital}.`;
}
