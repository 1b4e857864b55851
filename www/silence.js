// silence.js: why you cannot write in the open conversation, said where you would type. Muted: the
// box is disabled and says until when ("until a moderator lifts it" for an open-ended mute). A
// read-only room: only owners and moderators post, and the box says so instead. Slow mode: after
// each message the box waits, counting down the seconds. Rendered when the conversation, your
// standing or a room's rules change (staff.js), and once a second while a wait is running.

import * as composer from './composer.js';
import * as conversations from './conversations.js';
import * as staff from './staff.js';
import { clock } from './days.js';

let ticking = null; // the one-second timer while a mute or a slow mode is counting


/** What stops you writing in `conversation` now ('' for nothing), and whether it is counting. */
function reason(conversation) {
  if (!conversation) return { text: '', counting: false };
  const mute = staff.mute();
  if (mute.muted) {
    const until = mute.until === null ? 'until a moderator lifts it' : `until ${clock(mute.until)}`;
    return { text: `You are muted ${until}. You can still read.`, counting: mute.until !== null };
  }
  if (conversation.kind !== 'room') return { text: '', counting: false };
  if (staff.rulesOf(conversation.name).readOnly && !staff.moderates()) {
    return { text: `#${conversation.name} is read-only: only owners and moderators post here.`, counting: false };
  }
  const wait = staff.slowWait(conversation.name);
  if (wait > 0) {
    const seconds = Math.ceil(wait / 1000);
    return { text: `Slow mode: you can write again in ${seconds} s.`, counting: true };
  }
  return { text: '', counting: false };
}

/** Says (or stops saying) what stops you writing in the open conversation. */
export function render() {
  const { text, counting } = reason(conversations.get(conversations.currentKey()));
  composer.setBlocked(text);
  if (counting && ticking === null) ticking = setInterval(render, 1000);
  if (!counting && ticking !== null) {
    clearInterval(ticking);
    ticking = null;
  }
}

staff.onChange(render);
