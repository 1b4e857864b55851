// signout.test.mjs: a deliberate sign-out leaves nothing of yours in the browser for whoever uses
// the computer next, as on a shared classroom PC: the outbox of unsent messages is deleted, once
// the person has agreed to it (a confirm dialog), even if the server cannot be reached just then.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  messageItem, outbox, registeredPages, send, startAgain, useServerAndBrowser, waitForSignInForm,
  waitForStatus,
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
  const asked = [];
  ivy.once('dialog', (dialog) => {
    asked.push(dialog.message());
    dialog.dismiss();
  });
  await ivy.getByTestId('sign-out').click(); // returns once the page's handler has run
  assert.equal(asked.length, 1);
  assert.match(asked[0], /^1 message has not been sent yet\./);
  assert.deepEqual((await outbox(ivy, 'ivy')).map((entry) => entry.text), [unsent]);
  assert.equal(await ivy.getByTestId('account-bar').isVisible(), true);

  // Told yes: deleted from localStorage and from the list at once, though the server is down.
  ivy.once('dialog', (dialog) => dialog.accept());
  await ivy.getByTestId('sign-out').click();
  await ivy.waitForFunction((key) => localStorage.getItem(key) === null, 'threadchat.ivy.pending');
  assert.equal(await messageItem(ivy, 'ivy', unsent).count(), 0);

  // Once the server is back, signing out asks nothing (an unexpected dialog would be dismissed,
  // and the sign-in form would never come).
  env.server = await startAgain(env.server);
  await waitForStatus(ivy, 'connected', 30_000);
  await ivy.getByTestId('sign-out').click();
  await waitForSignInForm(ivy);
  assert.deepEqual(await outbox(ivy, 'ivy'), []);
});
