// sessions.test.mjs: sessions that end while the page is open, against the real server with
// accounts. Tabs of one browser share a session, so signing out in one signs out all; a password
// change signs out the account's *other* sessions; an unused session expires. Each time the page
// goes back to the sign-in form with the server's reason and does not reconnect by itself. One
// server and one browser for the file (plus a --session-expiry server for one test).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  PASSWORD, createAccount, messageItem, openPage, openPasswordDialog, register, send, shot, signIn,
  signOut, startServer, useServerAndBrowser, waitForPeople, waitForSignInForm, waitForStatus,
} from './harness.mjs';

// One server and one browser for this file, stopped when it ends.
const env = useServerAndBrowser();

/**
 * Counts, inside the page, each attempt to connect: socket.js starts every attempt with a fetch
 * of /api/info, called synchronously when its timer fires, so a count read right after
 * clock.runFor() has seen every attempt those timers made (a WebSocket would only open later).
 */
function countAttempts(page) {
  return page.addInitScript(() => {
    window.attempts = 0;
    const realFetch = window.fetch;
    window.fetch = (input, init) => {
      if (String(input).endsWith('/api/info')) window.attempts++;
      return realFetch(input, init);
    };
  });
}

const attempts = (page) => page.evaluate(() => window.attempts);

// Two tabs of one browser share a session: both connect, the user is listed once, and signing out in one signs out both.
test('two tabs of one session; signing out in one ends the other', async (t) => {
  const first = await openPage(env.browser);
  t.after(() => first.context().close());
  await register(first, env.server.pageUrl, 'fay');
  const second = await first.context().newPage();
  await second.goto(env.server.pageUrl);
  await waitForStatus(second, 'connected');
  await waitForPeople(second, [['fay', true]]);

  await signOut(first);
  await waitForSignInForm(first);
  await waitForSignInForm(second);
  assert.match(await second.getByTestId('account-error').textContent(), /^Signed out\.?$/);
  assert.equal(await second.getByTestId('status').getAttribute('data-state'), 'offline');
});

// Changing the password here signs out the account's other sessions (they return to the form with the reason); this one carries on.
test('a password change signs out the other sessions, not this one', async (t) => {
  const here = await openPage(env.browser);
  const elsewhere = await openPage(env.browser);
  t.after(() => Promise.all([here.context().close(), elsewhere.context().close()]));
  await createAccount(env.server, 'gina');
  await elsewhere.clock.install(); // to run its timers ahead below, instead of sleeping
  await countAttempts(elsewhere);
  await signIn(here, env.server.pageUrl, 'gina');
  await signIn(elsewhere, env.server.pageUrl, 'gina');
  const attemptsBefore = await attempts(elsewhere);

  await openPasswordDialog(here);
  await here.getByTestId('password-old').fill('not my password');
  await here.getByTestId('password-new').fill('a brand new password');
  await here.getByTestId('password-repeat').fill('a brand new password');
  await here.getByTestId('password-repeat').press('Enter');
  await here.locator('[data-testid="password-old-error"]', { hasText: 'not your current password' }).waitFor();

  await here.getByTestId('password-old').fill(PASSWORD);
  await here.getByTestId('password-submit').click();
  await here.locator('[data-testid="password-done"]', {
    hasText: 'Password changed; your other sessions were signed out.',
  }).waitFor();
  await shot(here, 'password-changed.png');

  await waitForSignInForm(elsewhere);
  await elsewhere.locator('[data-testid="account-error"]', { hasText: /password was changed/ }).waitFor();
  await shot(elsewhere, 'signed-out-elsewhere.png');
  await elsewhere.clock.runFor(30_000); // past every backoff delay (at most ~10 s)
  assert.equal(await attempts(elsewhere), attemptsBefore, 'the signed-out page does not reconnect by itself');

  await here.getByTestId('password-cancel').click(); // now labelled "Done"
  await here.getByTestId('password-dialog').waitFor({ state: 'hidden' });
  await send(here, 'still signed in here');
  await messageItem(here, 'gina', 'still signed in here').and(here.locator('[data-state="delivered"]')).waitFor();

  await elsewhere.getByTestId('account-password').fill('a brand new password');
  await elsewhere.getByTestId('account-password').press('Enter');
  await waitForStatus(elsewhere, 'connected');
});

// A session that expires while connected ends like a sign-out elsewhere: back to the form with the server's reason.
test('an expired session returns to the form with the reason, and stays there', async (t) => {
  const server = await startServer({ args: ['--session-expiry', '2'] });
  const page = await openPage(env.browser);
  t.after(async () => {
    await page.context().close();
    await server.stop();
  });
  await page.clock.install();
  await countAttempts(page);
  await register(page, server.pageUrl, 'ivan');
  const attemptsBefore = await attempts(page);
  // Unused for 2 s, the session expires; the server sweeps every half second.
  await waitForSignInForm(page);
  await page.locator('[data-testid="account-error"]', { hasText: /session expired/ }).waitFor();
  await page.clock.runFor(30_000);
  assert.equal(await attempts(page), attemptsBefore, 'no reconnecting after an expiry');
  assert.equal(await page.getByTestId('status').getAttribute('data-state'), 'offline');
});
