// reconnect.test.mjs: the page survives a server restart. The server is stopped (SIGKILL, then
// SIGTERM), the page says so, a new server is started on the same two ports, and the page
// reconnects by itself, keeps its history, gets a fresh online list, and delivers new messages.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  messageItem, onlineNames, openPage, send, shot, signIn, useServerAndBrowser, startServerOn,
  waitForStatus,
} from './harness.mjs';

// Backoff grows to ~10 s at most; a few attempts fit well inside this.
const RECONNECT_MS = 20_000;

// One server and one browser for this file, stopped when it ends.
const env = useServerAndBrowser();

/** Two people chat; the server is stopped by `signal`, restarted on the same ports; they chat again. */
async function surviveRestart(t, signal) {
  const alice = await openPage(env.browser);
  const bob = await openPage(env.browser);
  t.after(() => Promise.all([alice.context().close(), bob.context().close()]));
  await signIn(alice, env.server.pageUrl, 'alice');
  await signIn(bob, env.server.pageUrl, 'bob');
  await send(alice, 'before the restart');
  await messageItem(bob, 'alice', 'before the restart').waitFor();

  const { httpPort, wsPort } = env.server;
  await env.server.stop(signal);
  for (const page of [alice, bob]) {
    await page.locator('[data-testid="banner"]', { hasText: 'Connection lost' }).waitFor();
    await waitForStatus(page, 'reconnecting');
  }
  if (signal === 'SIGKILL') await shot(alice, 'reconnecting.png');

  env.server = await startServerOn(httpPort, wsPort);
  for (const page of [alice, bob]) {
    await waitForStatus(page, 'connected', RECONNECT_MS);
    await page.getByTestId('banner').waitFor({ state: 'hidden' });
    await messageItem(page, 'alice', 'before the restart').waitFor(); // history kept
  }
  await alice.waitForFunction(() => document.querySelectorAll('[data-testid="online-user"]').length === 2);
  assert.deepEqual(await onlineNames(alice), ['alice', 'bob']); // a fresh list, no duplicates

  await send(alice, 'after the restart');
  await messageItem(alice, 'alice', 'after the restart').and(alice.locator('[data-state="delivered"]')).waitFor();
  await messageItem(bob, 'alice', 'after the restart').waitFor();
  if (signal === 'SIGKILL') await shot(alice, 'reconnected.png');
  // The only HTTP errors allowed are none; failed fetches while the server was down are not responses.
  assert.deepEqual([...alice.problems, ...bob.problems], []);
}

// SIGKILL: the socket just dies (1006 in the browser); the page shows the banner and reconnects with backoff.
test('the page reconnects by itself after the server is killed', { timeout: 60_000 }, (t) => surviveRestart(t, 'SIGKILL'));

// SIGTERM: the server closes with 1001; the page retries at once, then with backoff, and gets back in.
test('the page reconnects by itself after a graceful restart', { timeout: 60_000 }, (t) => surviveRestart(t, 'SIGTERM'));
