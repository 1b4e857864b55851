// signout.test.mjs: a deliberate sign-out leaves nothing of yours in the browser for whoever uses
// the computer next, as on a shared classroom PC: the outbox of unsent messages is deleted, once
// the person has agreed to it (the "Sign out?" dialog says so), even if the server cannot be
// reached just then. Signing out always asks first (account-menu.test.mjs has the menu itself).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  askToSignOut, messageItem, outbox, registeredPages, send, startAgain, useServerAndBrowser,
  waitForSignInForm, waitForStatus,
} from './harness.mjs';

// One server and one browser for this file, stopped when it ends.
const env = useServerAndBrowser();

// A message written while the server is down waits in the outbox; Sign out asks, keeps it if told no, deletes it if told yes.
test('signing out deletes the unsent messages, after asking', { timeout: 90_000 }, async (t) => {
  const [ivy] = await registeredPages(t, env, ['ivy']);
  await env.server.stop('SIGKILL', { keepData: true });
  await waitForStatus(ivy, 'reconnecting');
  const unsent = 'written while offline';
  await send(ivy, unsent);
  await messageItem(ivy, 'ivy', unsent).and(ivy.locator('[data-state="pending"]')).waitFor();
  assert.deepEqual((await outbox(ivy, 'ivy')).map((entry) => entry.text), [unsent]);

  // Told no: nothing is deleted, and ivy is still signed in.
  assert.match(await askToSignOut(ivy), /^1 message has not been sent yet\. Signing out deletes it from this browser\.$/);
  await ivy.getByTestId('signout-cancel').click();
  await ivy.getByTestId('signout-dialog').waitFor({ state: 'hidden' });
  assert.deepEqual((await outbox(ivy, 'ivy')).map((entry) => entry.text), [unsent]);
  assert.equal(await ivy.getByTestId('account-bar').isVisible(), true);
  assert.equal(await ivy.evaluate(() => document.activeElement?.id), 'account-button', 'the keyboard is back on the menu');

  // Told yes: deleted from localStorage and from the list at once, though the server is down.
  await askToSignOut(ivy);
  await ivy.getByTestId('signout-confirm').click();
  await ivy.waitForFunction((key) => localStorage.getItem(key) === null, 'threadchat.ivy.pending');
  assert.equal(await messageItem(ivy, 'ivy', unsent).count(), 0);

  // Once the server is back, signing out still asks, now with nothing unsent to warn about.
  env.server = await startAgain(env.server);
  await waitForStatus(ivy, 'connected', 30_000);
  assert.doesNotMatch(await askToSignOut(ivy), /not been sent/);
  await ivy.getByTestId('signout-confirm').click();
  await waitForSignInForm(ivy);
  assert.deepEqual(await outbox(ivy, 'ivy'), []);
  assert.deepEqual(ivy.problems.filter((p) => !p.startsWith('HTTP')), [], 'no page errors');
});
