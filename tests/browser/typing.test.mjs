// typing.test.mjs: "… is typing" through the page. Notices go out at most every 3 s while typing
// (not per key); the other side shows them under that conversation's messages only, and clears
// them when the message arrives or, without a new notice, after about 4 s. One server (with
// accounts) and one browser for the whole file.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  WAIT_MS, messageItem, openConversation, openPage, register, useServerAndBrowser,
} from './harness.mjs';

// One server and one browser for this file, stopped when it ends.
const env = useServerAndBrowser();

/** Counts the `typing` frames the page sends, by conversation ('room:general', 'to:oak'), on
 * the WebSockets it opens from now on. */
function countTypingFrames(page) {
  const sent = {};
  page.on('websocket', (ws) => ws.on('framesent', ({ payload }) => {
    const frame = JSON.parse(String(payload));
    if (frame.type !== 'typing') return;
    const where = frame.room ? `room:${frame.room}` : `to:${frame.to}`;
    sent[where] = (sent[where] ?? 0) + 1;
  }));
  return sent;
}

// Typing shows "pip is typing…" to the others in the room, once per burst of keys; the message arriving clears it.
test('typing is shown to the other person, and cleared by the message', async (t) => {
  const oak = await openPage(env.browser);
  const pip = await openPage(env.browser);
  t.after(() => Promise.all([oak.context().close(), pip.context().close()]));
  const sent = countTypingFrames(pip);
  await register(oak, env.server.pageUrl, 'oak');
  await register(pip, env.server.pageUrl, 'pip');

  const input = pip.getByTestId('message-input');
  await input.pressSequentially('are we meeting at noon?');
  const typing = oak.getByTestId('typing');
  await oak.locator('[data-testid="typing"]', { hasText: 'pip is typing…' }).waitFor();
  assert.deepEqual(sent, { 'room:general': 1 }, 'one notice for a burst of 23 keys');

  await input.press('Enter');
  await messageItem(oak, 'pip', 'are we meeting at noon?').waitFor();
  assert.equal(await typing.textContent(), '', 'cleared as the message arrived');
  assert.deepEqual([...oak.problems, ...pip.problems], []);
});

// A notice is shown only under its own conversation, and goes by itself after a few seconds without another.
test('typing in a private conversation, cleared after its timeout', async (t) => {
  const quin = await openPage(env.browser);
  const ray = await openPage(env.browser);
  t.after(() => Promise.all([quin.context().close(), ray.context().close()]));
  const sent = countTypingFrames(ray);
  await register(quin, env.server.pageUrl, 'quin');
  await register(ray, env.server.pageUrl, 'ray');
  await openConversation(ray, 'd/quin');

  await ray.getByTestId('message-input').pressSequentially('hm');
  // quin reads #general: nothing there; the notice waits under @ray.
  await quin.waitForFunction(() => document.querySelector('[data-testid="conversation-title"]').dataset.key === 'r/general');
  await openConversation(quin, 'd/ray');
  const shownAt = Date.now();
  await quin.locator('[data-testid="typing"]', { hasText: 'ray is typing…' }).waitFor();
  await openConversation(quin, 'r/general');
  assert.equal(await quin.getByTestId('typing').textContent(), '', 'not under another conversation');
  await openConversation(quin, 'd/ray');
  await quin.locator('[data-testid="typing"]', { hasText: 'ray is typing…' }).waitFor();

  // ray stops typing: no message, no new notice; it goes after ~4 s.
  await quin.locator('[data-testid="typing"]', { hasText: /typing/ }).waitFor({ state: 'hidden', timeout: WAIT_MS });
  assert.equal(await quin.getByTestId('typing').textContent(), '');
  assert.ok(Date.now() - shownAt >= 2000, 'it stayed a few seconds first');
  assert.deepEqual(sent, { 'to:quin': 1 });
  assert.deepEqual([...quin.problems, ...ray.problems], []);
});
