// days.js: what the reader's calendar makes of a server timestamp (ms since the epoch): which
// local day it falls on, that day's label ("Today", "Yesterday", "Monday 30 November", with the
// year once it is not this year's), and whether two messages are close enough to share a name.

const pad = (n) => String(n).padStart(2, '0');
const GROUP_MS = 5 * 60 * 1000; // one sender's messages within this of each other share a heading

/** The local day of `ts` as "YYYY-MM-DD": equal strings, same day. */
export function dayOf(ts) {
  const date = new Date(ts);
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** "Today", "Yesterday", or the date in the reader's language; `now` is for tests of the page. */
export function dayLabel(ts, now = Date.now()) {
  const day = dayOf(ts);
  if (day === dayOf(now)) return 'Today';
  const yesterday = new Date(now);
  yesterday.setDate(yesterday.getDate() - 1);
  if (day === dayOf(yesterday.getTime())) return 'Yesterday';
  const date = new Date(ts);
  const options = { weekday: 'long', day: 'numeric', month: 'long' };
  if (date.getFullYear() !== new Date(now).getFullYear()) options.year = 'numeric';
  return date.toLocaleDateString(undefined, options);
}

/** Local wall-clock time of `ts` as HH:MM. */
export function clock(ts) {
  const date = new Date(ts);
  return `${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** Whether a message at `ts` follows one at `previousTs` closely enough to be grouped with it. */
export const closeInTime = (previousTs, ts) =>
  ts - previousTs >= 0 && ts - previousTs <= GROUP_MS && dayOf(previousTs) === dayOf(ts);
