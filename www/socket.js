// socket.js: the connection to a threadchat server, and nothing about the page.
//
// It asks GET /api/info where the WebSocket listens (so nothing is configured by hand) and opens
// ws://<this page's host>:<ws_port>/. With accounts that is all: the browser sends the session
// cookie by itself (same host, other port). Under --guests the name goes in the URL, ?name=...
// Before each attempt it asks `since()` for the seq to catch up from, and adds ?since=... when
// there is one (PROTOCOL.md §3). It parses each text frame as JSON and hands it to `onFrame`. When the connection is lost it
// reconnects by itself, following docs/PROTOCOL.md §6:
//   - 1001 (server restarting): once at once, then with backoff;
//   - 1006 (no Close frame: network lost, server killed), 1011 (a catch-up the server could not
//     read), 1013 (fell behind), anything else:
//     exponential backoff with jitter, from ~0.5 s up to ~10 s, reset by the next welcome;
//   - 1000, 1002, 1007, 1009: never.
// Who you are is not something a retry can fix: an `error` frame with an identity code (a
// session that has ended, `unauthenticated`; a refused guest name, `name_*`; before the welcome, a
// store that cannot be read, `unavailable`), followed by Close 1008, stops the connection for good
// and is reported through `onRefused({code, message})`, never retried (PROTOCOL.md §3). After the
// welcome, `unavailable` is about a message or a catch-up, and is the page's to handle.
// It reports its state through `onState(state, detail)`:
//   'connecting'   an attempt under way, before any welcome
//   'connected'    the server's welcome arrived
//   'reconnecting' waiting or trying again after a loss; detail.delayMs, detail.reason
//   'closed'       gone for good; detail.code, detail.reason

const BACKOFF_START_MS = 500; // first wait after a loss (before jitter)
const BACKOFF_MAX_MS = 10_000; // the wait never grows past this
const NO_RECONNECT = new Set([1000, 1002, 1007, 1008, 1009]);
// The error codes that refuse who you are; the server closes with 1008 right after (§3).
const IDENTITY_REFUSALS = new Set(['unauthenticated', 'unavailable', 'name_missing', 'name_invalid', 'name_taken']);
// After a network drop the server may still hold our name: it notices a silent peer only at its
// idle deadline (75 s by default). A page that was already in keeps retrying this many times
// (with backoff, ~90 s in all) before it believes someone else took the name.
const NAME_HELD_RETRIES = 12;

/** Fetches the server's /api/info: {protocol, version, ws_port, max_text_bytes, ...}. */
export async function fetchInfo() {
  const response = await fetch('/api/info', { cache: 'no-store' });
  if (!response.ok) throw new Error(`/api/info answered ${response.status}`);
  return response.json();
}

/**
 * The chat URL on the host this page was itself loaded from: with a guest's `name` in the query,
 * or with none (null) for an account, whose session cookie says who it is; and with `since` (a
 * seq, or null for none) to catch up from.
 */
export function chatUrl(wsPort, name, since = null) {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const query = new URLSearchParams();
  if (name !== null) query.set('name', name);
  if (since !== null) query.set('since', String(since));
  const search = String(query);
  return `${scheme}://${location.hostname}:${wsPort}/${search ? `?${search}` : ''}`;
}

/** How long to wait before attempt number `attempt` (0, 1, 2...): "equal jitter". */
export function backoffDelay(attempt) {
  const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_START_MS * 2 ** attempt);
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

export class ChatConnection {
  #name;
  #handlers;
  #ws = null; // the live WebSocket, or null between attempts
  #timer = 0; // the pending reconnect timeout, or 0
  #attempt = 0; // failed attempts since the last welcome
  #quickRetryUsed = false; // the one immediate retry after 1001 was spent
  #welcomed = false; // a welcome arrived on the current socket
  #everWelcomed = false;
  #stopped = false; // refused, closed for good, or closed by us: never reconnect
  #nameHeld = false; // the last attempt met name_taken while reconnecting (guests only)
  #nameHeldRetries = 0;

  /**
   * name: a guest's name, or null with accounts (the session cookie says who you are).
   * handlers: { onFrame(frame), onState(state, detail), onRefused({code, message}), onInfo(info),
   *             since() → the seq to catch up from, or null }
   */
  constructor(name, handlers) {
    this.#name = name;
    this.#handlers = handlers;
  }

  start() {
    this.#connect();
  }

  /** True if the frame went out; false when not connected (the caller keeps the text). */
  send(frame) {
    if (!this.#welcomed || this.#ws?.readyState !== WebSocket.OPEN) return false;
    this.#ws.send(JSON.stringify(frame));
    return true;
  }

  /** Skips the rest of the backoff wait. */
  retryNow() {
    if (this.#stopped || !this.#timer) return;
    clearTimeout(this.#timer);
    this.#connect();
  }

  /** Closes for good (code 1000) and never reconnects. */
  close() {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#ws?.close(1000);
  }

  async #connect() {
    this.#timer = 0;
    this.#handlers.onState(this.#everWelcomed ? 'reconnecting' : 'connecting', {});
    let info;
    try {
      info = await fetchInfo();
    } catch (err) {
      this.#retryLater(`the server cannot be reached (${err.message})`);
      return;
    }
    if (this.#stopped) return;
    this.#handlers.onInfo?.(info);
    let ws;
    try {
      ws = new WebSocket(chatUrl(info.ws_port, this.#name, this.#handlers.since?.() ?? null));
    } catch (err) {
      this.#retryLater(`bad WebSocket address (${err.message})`); // e.g. no ws_port in /api/info
      return;
    }
    this.#ws = ws;
    this.#welcomed = false;
    ws.addEventListener('message', (event) => this.#onMessage(ws, event));
    ws.addEventListener('close', (event) => this.#onClose(ws, event));
  }

  #onMessage(ws, event) {
    // Frames still in flight after close() (a sign-out, say) belong to nobody any more.
    if (ws !== this.#ws || this.#stopped) return;
    let frame;
    try {
      frame = JSON.parse(event.data);
    } catch {
      console.warn('threadchat: ignoring a frame that is not JSON', event.data);
      return;
    }
    if (frame === null || typeof frame !== 'object' || typeof frame.type !== 'string') return;
    if (frame.type === 'error' && frame.code === 'name_taken' && this.#everWelcomed
        && this.#nameHeldRetries < NAME_HELD_RETRIES) {
      // Most likely our own old connection, not yet timed out: the 1008 that follows retries.
      this.#nameHeld = true;
      return;
    }
    if (frame.type === 'error' && IDENTITY_REFUSALS.has(frame.code)
        && !(frame.code === 'unavailable' && this.#welcomed)) {
      // The server closes with 1008 next; stop now so that close cannot schedule a retry. This
      // also comes on a live connection whose session ended (signed out elsewhere, say).
      this.#stopped = true;
      this.#handlers.onRefused({ code: frame.code, message: frame.message || frame.code });
      return;
    }
    if (frame.type === 'welcome') {
      this.#welcomed = true;
      this.#everWelcomed = true;
      this.#attempt = 0;
      this.#quickRetryUsed = false;
      this.#nameHeldRetries = 0;
      this.#handlers.onState('connected', {});
    }
    this.#handlers.onFrame(frame);
  }

  #onClose(ws, event) {
    if (ws !== this.#ws) return; // an old socket we already gave up on
    this.#ws = null;
    this.#welcomed = false;
    if (this.#stopped) return;
    const reason = event.reason || `code ${event.code}`;
    if (event.code === 1008 && this.#nameHeld) {
      this.#nameHeld = false;
      this.#nameHeldRetries += 1;
      this.#retryLater('your previous connection still holds the name');
    } else if (event.code === 1008) {
      this.#stopped = true;
      this.#handlers.onRefused({ code: 'closed_1008', message: event.reason || 'refused by the server' });
    } else if (NO_RECONNECT.has(event.code)) {
      this.#stopped = true;
      this.#handlers.onState('closed', { code: event.code, reason });
    } else if (event.code === 1001 && !this.#quickRetryUsed) {
      this.#quickRetryUsed = true; // the server is restarting: try once straight away
      this.#handlers.onState('reconnecting', { delayMs: 0, reason });
      this.#timer = setTimeout(() => this.#connect(), 0);
    } else {
      this.#retryLater(this.#everWelcomed ? 'the connection was lost' : 'the connection failed');
    }
  }

  #retryLater(reason) {
    if (this.#stopped) return;
    const delayMs = backoffDelay(this.#attempt++);
    this.#handlers.onState('reconnecting', { delayMs, reason });
    this.#timer = setTimeout(() => this.#connect(), delayMs);
  }
}
