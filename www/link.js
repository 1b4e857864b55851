// link.js: the current chat connection as the rest of the page sees it: "send this frame if you
// can", and whether the connection is *ready* for new messages. One owner (chat.js) sets it;
// the sidebar, the composer, history and typing only send through it, so none of them needs to
// know about reconnecting.
//
// Ready means: welcomed, and caught up. A connection opened with `?since=` replays what was missed
// before `caught_up`; until then messages are kept in the outbox and go out in one go after it
// (PROTOCOL.md §3, §4 "Sending again").

let conn = null; // the app's ChatConnection (socket.js), or null when signed out
let welcomed = false;
let ready = false;

export function use(connection) {
  conn = connection;
  welcomed = false;
  ready = false;
}

/** The connection's state: `welcomed` after welcome; `ready` after caught_up (or no replay). */
export function setState(state) {
  welcomed = state.welcomed;
  ready = state.ready;
}

export const isWelcomed = () => welcomed;
export const isReady = () => ready;

/** Sends `frame` if the connection is welcomed; false otherwise (the caller decides what then). */
export function send(frame) {
  if (!welcomed || !conn) return false;
  return conn.send(frame);
}
