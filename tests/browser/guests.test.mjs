// guests.test.mjs: the page against a server started with --guests (no accounts): it says so,
// asks only for a free name, keeps v1's behaviour (a taken name is refused with the server's
// reason, a malformed one by the page itself), and shows no account controls. One server and
// one browser for the whole file.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  joinAsGuest, messageItem, openPage, send, shot, useServerAndBrowser, waitForStatus,
} from './harness.mjs';

// One --guests server and one browser for this file, stopped when it ends.
const env = useServerAndBrowser({ guests: true });

// Under --guests the page shows the name prompt with a visible guest-mode note, never the sign-in form.
test('guest mode: a marked name prompt, chat without accounts', async (t) => {
  const page = await openPage(env.browser);
  const other = await openPage(env.browser, { width: 360, height: 740, colorScheme: 'dark' });
  t.after(() => Promise.all([page.context().close(), other.context().close()]));
  await page.goto(env.server.pageUrl);
  await page.locator('[data-testid="guest-note"]', { hasText: /Guest mode: no accounts/ }).waitFor();
  assert.equal(await page.getByTestId('account-form').isVisible(), false);
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'guest-name');
  await shot(page, 'guest-prompt.png');

  await joinAsGuest(page, env.server.pageUrl, 'gus');
  await joinAsGuest(other, env.server.pageUrl, 'gil');
  await send(other, 'hello from a guest');
  await messageItem(page, 'gil', 'hello from a guest').waitFor();

  // A reload reconnects with the name and the catch-up point in the URL (PROTOCOL.md §3).
  const urls = [];
  other.on('websocket', (ws) => urls.push(new URL(ws.url())));
  const seq = await messageItem(other, 'gil', 'hello from a guest').getAttribute('data-seq');
  await joinAsGuest(other, env.server.pageUrl, 'gil');
  assert.equal(urls.at(-1).searchParams.get('name'), 'gil');
  assert.equal(urls.at(-1).searchParams.get('since'), seq);
  for (const p of [page, other]) assert.equal(await p.getByTestId('account-bar').isVisible(), false, 'no account controls');
  await shot(other, 'guest-phone-chat.png');
  assert.deepEqual([...page.problems, ...other.problems], []);
});

// A taken name (compared ignoring case) is refused with the server's reason, and the prompt stays usable.
test('a taken name is refused with a reason and the prompt still works', async (t) => {
  const carol = await openPage(env.browser);
  const other = await openPage(env.browser);
  t.after(() => Promise.all([carol.context().close(), other.context().close()]));
  await joinAsGuest(carol, env.server.pageUrl, 'carol');

  await other.goto(env.server.pageUrl);
  await other.getByTestId('guest-name').fill('CAROL');
  await other.getByTestId('guest-join').click();
  await other.locator('[data-testid="guest-error"]', { hasText: /in use/ }).waitFor();
  assert.equal(await other.getByTestId('guest-name').isEditable(), true);
  assert.equal(await other.getByTestId('guest-join').isEnabled(), true);
  assert.notEqual(await other.getByTestId('status').getAttribute('data-state'), 'connected');
  await shot(other, 'name-taken.png');

  await other.getByTestId('guest-name').fill('carol2');
  await other.getByTestId('guest-name').press('Enter');
  await waitForStatus(other, 'connected');
  assert.equal(await other.getByTestId('guest-error').textContent(), '');
});

// A malformed name is refused by the page itself, before any WebSocket is opened.
test('a malformed guest name is refused client-side', async (t) => {
  const page = await openPage(env.browser);
  t.after(() => page.context().close());
  let sockets = 0;
  page.on('websocket', () => sockets++);
  for (const bad of ['bad name!', 'émile', 'a.b']) {
    await page.goto(env.server.pageUrl); // a fresh prompt each time, no earlier error on it
    await page.getByTestId('guest-name').fill(bad);
    await page.getByTestId('guest-name').press('Enter');
    await page.locator('[data-testid="guest-error"]', { hasText: /1–32 letters/ }).waitFor();
    assert.equal(await page.getByTestId('status').getAttribute('data-state'), 'offline', bad);
  }
  assert.equal(sockets, 0);
  // The same prompt with a good name does open one: the count above could have moved.
  await page.getByTestId('guest-name').fill('fine-name');
  await page.getByTestId('guest-name').press('Enter');
  await waitForStatus(page, 'connected');
  assert.equal(sockets, 1);
});
