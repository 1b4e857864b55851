// reconnect.test.mjs: the page survives a server restart. The server is stopped (SIGKILL, then
// SIGTERM), the page says so, a new server is started on the same two ports and the same data
// directory, and the page reconnects by itself (its session cookie still valid: sessions are
// stored), keeps its messages, gets a fresh People list, and delivers new messages.
// delivery.test.mjs has what happens to messages written meanwhile.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  messageItem, openPage, register, send, shot, signIn, startAgain, useServerAndBrowser,
  waitForPeople, waitForStatus,
} from './harness.mjs';

// Backoff grows to ~10 s at most; a few attempts fit well inside this.
const RECONNECT_MS = 20_000;

// One server and one browser for this file, stopped when it ends.
const env = useServerAndBrowser();

/**
 * Two people chat; the server is stopped by `signal`, restarted on the same ports; they chat
 * again. `enter` brings each in: registering the first time, signing in to the same accounts
 * the second (the restart kept them).
 */
async function surviveRestart(t, signal, enter) {
  const alice = await openPage(env.browser);
  const bob = await openPage(env.browser);
  t.after(() => Promise.all([alice.context().close(), bob.context().close()]));
  await enter(alice, env.server.pageUrl, 'alice');
  await enter(bob, env.server.pageUrl, 'bob');
  // Both tests write in the same #general, whose history the second one shows: texts differ.
  const before = `before the ${signal} restart`;
  const after = `after the ${signal} restart`;
  await send(alice, before);
  await messageItem(bob, 'alice', before).waitFor();

  await env.server.stop(signal, { keepData: true });
  for (const page of [alice, bob]) {
    await page.locator('[data-testid="banner"]', { hasText: 'Connection lost' }).waitFor();
    await waitForStatus(page, 'reconnecting');
  }
  if (signal === 'SIGKILL') await shot(alice, 'reconnecting.png');

  env.server = await startAgain(env.server);
  for (const page of [alice, bob]) {
    await waitForStatus(page, 'connected', RECONNECT_MS);
    await page.getByTestId('banner').waitFor({ state: 'hidden' });
    await messageItem(page, 'alice', before).waitFor(); // messages kept
  }
  await waitForPeople(alice, [['alice', true], ['bob', true]]); // a fresh list, no duplicates

  await send(alice, after);
  await messageItem(alice, 'alice', after).and(alice.locator('[data-state="delivered"]')).waitFor();
  await messageItem(bob, 'alice', after).waitFor();
  assert.equal(await alice.getByTestId('me-name').textContent(), 'alice'); // still signed in
  if (signal === 'SIGKILL') await shot(alice, 'reconnected.png');
  // Failed fetches while the server was down are not responses; no HTTP error is expected (a
  // stopping server closes its kept-alive connections rather than answer 503).
  assert.deepEqual([...alice.problems, ...bob.problems], []);
}

// SIGKILL: the socket just dies (1006 in the browser); the page shows the banner and reconnects with backoff.
test('the page reconnects by itself after the server is killed', { timeout: 60_000 }, (t) => surviveRestart(t, 'SIGKILL', register));

// SIGTERM: the server closes with 1001; the page retries at once, then with backoff, and gets back in.
// Signing in to the accounts made before the first restart also shows that a restart keeps accounts.
test('the page reconnects by itself after a graceful restart', { timeout: 60_000 }, (t) => surviveRestart(t, 'SIGTERM', signIn));
