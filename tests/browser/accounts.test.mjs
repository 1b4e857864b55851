// accounts.test.mjs: signing in and out through the page, against the real server with accounts:
// register, sign in, chat, reload (still signed in), sign out (the old session is dead); the
// page's own checks and the server's refusals on the form (wrong password, taken name, rate
// limit, join code). sessions.test.mjs has the sessions that end elsewhere. One server and one
// browser for the file (plus a --join-code server for one test).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  PASSWORD, createAccount, messageItem, openPage, openSignIn, register, send, shot,
  signIn, signOut, startServer, useServerAndBrowser, waitForPeople, waitForSignInForm, waitForStatus,
} from './harness.mjs';

// One server and one browser for this file, stopped when it ends.
const env = useServerAndBrowser();

/** Counts the page's requests to the account API and its WebSockets, to prove none were made. */
function countTraffic(page) {
  const seen = { api: 0, sockets: 0 };
  page.on('request', (request) => {
    if (/\/api\/(login|register|password)$/.test(new URL(request.url()).pathname)) seen.api++;
  });
  page.on('websocket', () => seen.sockets++);
  return seen;
}

// The walk-through: register, sign in elsewhere, chat, reload (still in), sign out (the old cookie is dead).
test('register, sign in, chat, reload, sign out', async (t) => {
  const ana = await openPage(env.browser);
  const ben = await openPage(env.browser);
  t.after(() => Promise.all([ana.context().close(), ben.context().close()]));
  await createAccount(env.server, 'ben');

  await register(ana, env.server.pageUrl, 'ana');
  await signIn(ben, env.server.pageUrl, 'ben');
  assert.equal(await ana.getByTestId('me-name').textContent(), 'ana');
  assert.equal(await ben.getByTestId('me-name').textContent(), 'ben');
  await send(ana, 'hi ben, I just made an account');
  await messageItem(ben, 'ana', 'hi ben, I just made an account').waitFor();
  await send(ben, 'welcome, ana');
  await messageItem(ana, 'ben', 'welcome, ana').waitFor();

  // A reload keeps the session: straight back to the chat, the way in never shown on the way.
  await ana.addInitScript(() => {
    window.entryShown = false;
    new MutationObserver(() => {
      if (document.getElementById('login')?.hidden === false) window.entryShown = true;
    }).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ['hidden'] });
  });
  await ana.reload();
  await waitForStatus(ana, 'connected');
  assert.equal(await ana.evaluate(() => window.entryShown), false, 'no sign-in form after a reload');
  assert.equal(await ana.getByTestId('me-name').textContent(), 'ana');
  await waitForPeople(ana, [['ana', true], ['ben', true]]);
  await send(ana, 'still here after a reload');
  await messageItem(ben, 'ana', 'still here after a reload').waitFor();

  const [oldCookie] = await ana.context().cookies();
  assert.equal(oldCookie?.name, 'threadchat_session');
  assert.equal(oldCookie.httpOnly, true);
  await signOut(ana);
  await waitForSignInForm(ana);
  await waitForStatus(ana, 'offline');
  assert.equal(await ana.getByTestId('account-error').textContent(), '');
  assert.equal(await ana.locator('[data-testid="message"]').count(), 0, 'the chat is not left behind');
  // ben sees ana go offline (she stays in his People list: they share #general).
  await waitForPeople(ben, [['ben', true], ['ana', false]]);
  assert.deepEqual(await ana.context().cookies(), [], 'the browser forgot the token');

  // The old token is dead on the server too: put it back, reload, and the form is still there.
  await ana.context().addCookies([oldCookie]);
  await ana.reload();
  await waitForSignInForm(ana);
  assert.equal(await ana.getByTestId('status').getAttribute('data-state'), 'offline');
  assert.deepEqual([...ana.problems, ...ben.problems], []);
});

// A wrong password is refused with "Wrong name or password.", no connection is opened, and the right one then works.
test('a wrong password shows the error; the right one signs in', async (t) => {
  const page = await openPage(env.browser);
  t.after(() => page.context().close());
  await createAccount(env.server, 'cleo');
  const traffic = countTraffic(page);
  await openSignIn(page, env.server.pageUrl);
  await page.getByTestId('account-name').fill('cleo');
  await page.getByTestId('account-password').fill('not the password');
  await page.getByTestId('account-password').press('Enter');
  await page.locator('[data-testid="account-error"]', { hasText: 'Wrong name or password.' }).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'account-password');
  assert.equal(await page.getByTestId('account-submit').isEnabled(), true);
  assert.equal(traffic.sockets, 0, 'no WebSocket before a sign-in succeeds');
  await shot(page, 'signin-wrong-password.png');

  await page.getByTestId('account-password').fill(PASSWORD);
  await page.getByTestId('account-password').press('Enter');
  await waitForStatus(page, 'connected');
  assert.equal(traffic.api, 2);
});

// A sign-in that never reaches the server says so, and the form stays usable.
test('a network failure during sign-in is reported', async (t) => {
  const page = await openPage(env.browser);
  t.after(() => page.context().close());
  await createAccount(env.server, 'finn');
  await openSignIn(page, env.server.pageUrl);
  await page.route('**/api/login', (route) => route.abort('connectionrefused'));
  await page.getByTestId('account-name').fill('finn');
  await page.getByTestId('account-password').fill(PASSWORD);
  await page.getByTestId('account-password').press('Enter');
  await page.locator('[data-testid="account-error"]', { hasText: 'Cannot reach the server' }).waitFor();
  assert.equal(await page.getByTestId('account-submit').isEnabled(), true);

  await page.unroute('**/api/login');
  await page.getByTestId('account-submit').click();
  await waitForStatus(page, 'connected');
});

// The page checks names and passwords itself; the server's refusals (taken name) land next to their field.
test('create account: the page checks first, then the server refuses a taken name', async (t) => {
  const page = await openPage(env.browser, { width: 360, height: 740 });
  t.after(() => page.context().close());
  await createAccount(env.server, 'dora');
  const traffic = countTraffic(page);
  await openSignIn(page, env.server.pageUrl);
  await page.getByTestId('mode-create').click();
  const cases = [
    ['bad name!', PASSWORD, PASSWORD, 'account-name-error', /1–32 letters/],
    ['newbie', 'short', 'short', 'account-password-error', /at least 8 characters/],
    ['newbie', PASSWORD, `${PASSWORD}!`, 'account-repeat-error', /differ/],
  ];
  for (const [name, password, repeat, errorId, text] of cases) {
    await page.getByTestId('account-name').fill(name);
    await page.getByTestId('account-password').fill(password);
    await page.getByTestId('account-repeat').fill(repeat);
    await page.getByTestId('account-repeat').press('Enter');
    await page.locator(`[data-testid="${errorId}"]`, { hasText: text }).waitFor();
  }
  assert.equal(traffic.api, 0, 'every one of these was caught before a request');

  await page.getByTestId('account-name').fill('DORA'); // taken, ignoring case
  await page.getByTestId('account-repeat').fill(PASSWORD);
  await page.getByTestId('account-repeat').press('Enter');
  await page.locator('[data-testid="account-name-error"]', { hasText: /taken/ }).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'account-name');
  await shot(page, 'create-name-taken.png');
  await page.getByTestId('account-name').fill('dora2');
  await page.getByTestId('account-name').press('Enter');
  await waitForStatus(page, 'connected');
});

// Past 5 failed sign-ins a minute on one name, the server says 429 and the page says how long to wait.
test('too many wrong passwords: the page says how many seconds to wait', async (t) => {
  const page = await openPage(env.browser);
  t.after(() => page.context().close());
  await createAccount(env.server, 'emil');
  await openSignIn(page, env.server.pageUrl);
  await page.getByTestId('account-name').fill('emil');
  let status = 0;
  for (let attempt = 1; attempt <= 10 && status !== 429; attempt++) {
    await page.getByTestId('account-password').fill(`wrong guess ${attempt}`);
    const answered = page.waitForResponse((r) => r.url().endsWith('/api/login'));
    await page.getByTestId('account-password').press('Enter');
    status = (await answered).status();
  }
  assert.equal(status, 429);
  await page.locator('[data-testid="account-error"]', { hasText: /Too many attempts\. Please wait \d+ seconds?/ }).waitFor();
  await shot(page, 'signin-rate-limited.png');
});

// With --join-code, "Create an account" asks for the code (and only there); a wrong one is refused next to its field.
test('a join code is asked for when the server needs one', async (t) => {
  const server = await startServer({ args: ['--join-code', 'maths-7b'] });
  const page = await openPage(env.browser);
  t.after(async () => {
    await page.context().close();
    await server.stop();
  });
  await openSignIn(page, server.pageUrl);
  assert.equal(await page.getByTestId('account-join-code').isVisible(), false, 'not when signing in');
  await page.getByTestId('mode-create').click();
  await page.getByTestId('account-join-code').waitFor();
  await page.getByTestId('account-name').fill('hugo');
  await page.getByTestId('account-password').fill(PASSWORD);
  await page.getByTestId('account-repeat').fill(PASSWORD);
  await page.getByTestId('account-join-code').fill('maths-7c');
  await page.getByTestId('account-join-code').press('Enter');
  await page.locator('[data-testid="account-join-code-error"]', { hasText: /join code is not right/ }).waitFor();
  await shot(page, 'create-join-code.png');
  await page.getByTestId('account-join-code').fill('maths-7b');
  await page.getByTestId('account-join-code').press('Enter');
  await waitForStatus(page, 'connected');
});
