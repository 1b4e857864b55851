// api.js: the account half of the server's JSON API (docs/PROTOCOL.md §2), and nothing about
// the page. Each call resolves, never rejects, to one of two shapes:
//   { ok: true, status, data }                          data: the JSON answer, {} for a 204
//   { ok: false, status, code, message, retryAfter }    code: the server's `error`, or 'network'
// so that a caller branches on `code` and shows `explain(failure)` to a person.
//
// The session token travels as an HttpOnly cookie that the browser keeps and sends by itself
// (to this port and to the WebSocket port): the page never sees or stores it.

import { sentence } from './rules.js';

async function call(method, path, body) {
  let response;
  try {
    response = await fetch(path, {
      method,
      cache: 'no-store',
      // The server refuses a POST that is not JSON: no HTML form can send this type, so no other
      // site can post a form here in our name.
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    return { ok: false, status: 0, code: 'network', message: '', retryAfter: 0 };
  }
  let data = {};
  try {
    if (response.status !== 204) data = await response.json();
  } catch {
    data = {}; // not JSON (a proxy's error page, say): the status still tells what happened
  }
  if (response.ok) return { ok: true, status: response.status, data };
  return {
    ok: false,
    status: response.status,
    code: typeof data.error === 'string' ? data.error : `http_${response.status}`,
    message: typeof data.message === 'string' ? data.message : '',
    retryAfter: Number.parseInt(response.headers.get('Retry-After') ?? '', 10) || 0,
  };
}

/** GET /api/me: 200 {name} while the cookie's session lives, 401 `unauthenticated` otherwise. */
export const me = () => call('GET', '/api/me');

/** POST /api/login: 200 {name, token} and the session cookie; `setupCode` makes an owner. */
export function login(name, password, setupCode) {
  const body = { name, password };
  if (setupCode) body.setup_code = setupCode;
  return call('POST', '/api/login', body);
}

/**
 * POST /api/register: 201 {name, token}. `joinCode` is sent only when the server asks for one;
 * `setupCode` (the owner setup link's) makes the new account the owner.
 */
export function register(name, password, joinCode, setupCode) {
  const body = { name, password };
  if (joinCode !== undefined) body.join_code = joinCode;
  if (setupCode) body.setup_code = setupCode;
  return call('POST', '/api/register', body);
}

/** POST /api/reset: 201 {name, token}: a new password with a one-time reset code. */
export const reset = (name, code, password) => call('POST', '/api/reset', { name, code, password });

/** POST /api/logout: 204; the session ends and every connection it opened is closed. */
export const logout = () => call('POST', '/api/logout', {});

/** POST /api/password: 204; the account's *other* sessions end, this one stays. */
export const changePassword = (old, fresh) => call('POST', '/api/password', { old, new: fresh });

function seconds(n) {
  const wait = Math.max(1, n || 1);
  return wait === 1 ? '1 second' : `${wait} seconds`;
}

/** A failed call as a sentence for a person. */
export function explain(failure) {
  switch (failure.code) {
    case 'network':
      return 'Cannot reach the server. Check your connection and try again.';
    case 'bad_credentials':
      return 'Wrong name or password.';
    case 'name_taken':
      return 'That name is taken. Please pick another one.';
    case 'bad_join_code':
      return 'That join code is not right. Ask whoever runs this chat for it.';
    case 'registration_closed':
      return 'Registration is closed. Ask your teacher to open it.';
    case 'bad_setup_code':
      return 'This owner setup link is not valid any more: it works once, and only until the server restarts.';
    case 'bad_reset_code':
      return 'That reset code is wrong, used or expired. Ask your teacher for a new one.';
    case 'suspended':
      return 'This account is suspended. Ask your teacher.';
    case 'rate_limited':
      return `Too many attempts. Please wait ${seconds(failure.retryAfter)} and try again.`;
    case 'unavailable':
      return 'The server cannot do that right now. Please try again in a moment.';
    default:
      return sentence(failure.message) || `The server answered ${failure.status}.`;
  }
}
