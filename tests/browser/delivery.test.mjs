// delivery.test.mjs: every message you write is delivered exactly once, whatever happens to the
// connection. The page keeps unacknowledged messages in its outbox (localStorage), shows them as
// pending (never as failed because a connection dropped), and after each reconnect sends them
// again with the same id; the server answers a retry with the message it stored the first time.
// Here the server is killed mid-send, a page is reloaded with a message pending, an
// acknowledgement is lost on its way (the retry by id), and the server refuses a message (the
// only way one fails: Retry and Discard). One server and one browser for the file (the server is
// restarted on the same ports and data; the refusal test has a strict server of its own).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  WAIT_MS, messageItem, openPage, outbox, register, registeredPages, send, seqsOf, shot, startAgain,
  startServer, useServerAndBrowser, waitForStatus,
} from './harness.mjs';

// Backoff grows to ~10 s at most; a few attempts fit well inside this.
const RECONNECT_MS = 20_000;

// One server and one browser for this file, stopped when it ends.
const env = useServerAndBrowser();

/**
 * From now on (and after reloads), records every state each message item takes, by its text, in
 * window.seenStates: e.g. { "hi": ["pending", "delivered"] }.
 */
async function recordStates(page) {
  const script = () => {
    window.seenStates = {};
    const note = (li) => {
      const text = li.querySelector('[data-testid="message-text"]')?.textContent;
      const states = (window.seenStates[text] ??= []);
      if (text !== undefined && states.at(-1) !== li.dataset.state) states.push(li.dataset.state);
    };
    const watch = () => new MutationObserver((records) => {
      for (const record of records) {
        if (record.type === 'attributes' && record.target.dataset.testid === 'message') note(record.target);
        for (const node of record.addedNodes) {
          if (node.dataset?.testid === 'message') note(node);
          node.querySelectorAll?.('[data-testid="message"]').forEach(note);
        }
      }
    }).observe(document.getElementById('message-area'), {
      childList: true, subtree: true, attributes: true, attributeFilter: ['data-state'],
    });
    if (document.getElementById('message-area')) watch();
    else document.addEventListener('DOMContentLoaded', watch);
  };
  await page.addInitScript(script);
  await page.evaluate(script);
}

const statesOf = (page, text) => page.evaluate((t) => window.seenStates[t] ?? [], text);

/** `text` from `from` is delivered exactly once in each page, with the same seq everywhere. */
async function deliveredOnce(pages, from, text) {
  const seqs = [];
  for (const page of pages) {
    await messageItem(page, from, text).and(page.locator('[data-state="delivered"]')).waitFor();
    const shown = await seqsOf(page, text);
    assert.equal(shown.length, 1, `one "${text}" in the page, not ${JSON.stringify(shown)}`);
    seqs.push(shown[0]);
  }
  assert.ok(seqs.every((seq) => seq === seqs[0] && /^\d+$/.test(seq)), `one seq: ${seqs}`);
}

/** Waits until the page's outbox is empty. */
function outboxEmptied(page, account) {
  return page.waitForFunction((key) => localStorage.getItem(key) === null, `threadchat.${account}.pending`);
}

// SIGKILL while sending: the message sent as it died and the one written while it was down stay pending (never failed), then arrive once each.
test('the server is killed while a page is sending: each message arrives exactly once', { timeout: 90_000 }, async (t) => {
  const [sue, tom] = await registeredPages(t, env, ['sue', 'tom']);
  await recordStates(sue);
  const dying = 'sent as the server died';
  const down = 'written while the server was down';
  await send(sue, dying); // its acknowledgement may or may not make it out
  await env.server.stop('SIGKILL', { keepData: true });
  await waitForStatus(sue, 'reconnecting');
  await send(sue, down);
  const pending = messageItem(sue, 'sue', down);
  await pending.and(sue.locator('[data-state="pending"]')).waitFor();
  assert.equal(await pending.getByTestId('message-state').textContent(), 'sending…');
  assert.ok((await outbox(sue, 'sue')).some((entry) => entry.text === down), 'kept in the outbox');
  await shot(sue, 'pending-while-down.png');

  env.server = await startAgain(env.server);
  for (const page of [sue, tom]) await waitForStatus(page, 'connected', RECONNECT_MS);
  await deliveredOnce([sue, tom], 'sue', dying);
  await deliveredOnce([sue, tom], 'sue', down);
  assert.deepEqual(await statesOf(sue, down), ['pending', 'delivered'], 'never shown as failed');
  assert.ok(!(await statesOf(sue, dying)).includes('failed'));
  await outboxEmptied(sue, 'sue');
  assert.deepEqual([...sue.problems, ...tom.problems], []);
});

// A reload keeps the outbox: the pending message is shown again (still pending), then sent once the server can be reached.
test('a page reloaded with a pending message sends it once', { timeout: 90_000 }, async (t) => {
  const [uma, vic] = await registeredPages(t, env, ['uma', 'vic']);
  const text = 'pending across a reload';
  await env.server.stop('SIGKILL', { keepData: true });
  await waitForStatus(uma, 'reconnecting');
  await send(uma, text);
  await messageItem(uma, 'uma', text).and(uma.locator('[data-state="pending"]')).waitFor();

  // The server comes back, but this page's WebSockets are held back until after its reload, so
  // that what the reloaded page shows before it connects can be seen.
  let holdBack = true;
  await uma.routeWebSocket(/.*/, (ws) => (holdBack
    ? ws.close({ code: 1001, reason: 'held back by the test' }) // a code the page retries after
    : ws.connectToServer()));
  env.server = await startAgain(env.server);
  await recordStates(uma);
  await uma.reload();
  const restored = messageItem(uma, 'uma', text);
  await restored.and(uma.locator('[data-state="pending"]')).waitFor();
  assert.equal(await restored.getByTestId('message-state').textContent(), 'sending…');
  assert.notEqual(await uma.getByTestId('status').getAttribute('data-state'), 'connected');

  holdBack = false; // the page's next attempt (its backoff is still short) gets through
  await waitForStatus(uma, 'connected', RECONNECT_MS);
  await waitForStatus(vic, 'connected', RECONNECT_MS);
  await deliveredOnce([uma, vic], 'uma', text);
  assert.deepEqual(await statesOf(uma, text), ['pending', 'delivered']);
  await outboxEmptied(uma, 'uma');
  assert.deepEqual([...uma.problems, ...vic.problems], []);
});

// The server stored a message but its acknowledgement was lost: after the reconnect the page sends it again with the same id, and gets the stored message back.
test('a lost acknowledgement: the retry by id is answered with the stored message', async (t) => {
  const wes = await openPage(env.browser);
  const xia = await openPage(env.browser);
  t.after(() => Promise.all([wes.context().close(), xia.context().close()]));
  const lost = 'the acknowledgement of this one gets lost';
  const sockets = [];
  const sentIds = [];
  // Between wes's page and the server: swallow the one acknowledgement, and note wes's sends.
  await wes.routeWebSocket(/.*/, (ws) => {
    const server = ws.connectToServer();
    sockets.push({ ws, server });
    ws.onMessage((data) => {
      const frame = JSON.parse(String(data));
      if (frame.text === lost) sentIds.push(frame.id);
      server.send(data);
    });
    server.onMessage((data) => {
      const frame = JSON.parse(String(data));
      if (frame.type === 'message' && frame.text === lost && frame.id && sentIds.length === 1) return;
      ws.send(data);
    });
  });
  await register(wes, env.server.pageUrl, 'wes');
  await register(xia, env.server.pageUrl, 'xia');

  await send(wes, lost);
  await messageItem(xia, 'wes', lost).waitFor(); // stored and delivered to the others
  // A later message reaches wes, so wes's catch-up point moves past the lost one: no replay
  // will bring it back, only the retry can.
  await send(xia, 'and a later one');
  await messageItem(wes, 'xia', 'and a later one').waitFor();
  assert.equal(await messageItem(wes, 'wes', lost).getAttribute('data-state'), 'pending');

  const { ws, server } = sockets.at(-1);
  await server.close();
  await ws.close({ code: 1001, reason: 'the test cut the line' }); // the page comes back at once
  await waitForStatus(wes, 'connected', RECONNECT_MS);
  await deliveredOnce([wes, xia], 'wes', lost);
  assert.equal(sentIds.length, 2, 'sent twice');
  assert.equal(sentIds[0], sentIds[1], 'with the same id');
  const order = await wes.locator('[data-testid="messages"] [data-testid="message-text"]').allTextContents();
  assert.ok(order.indexOf(lost) < order.indexOf('and a later one'), 'placed by its seq, before the later one');
  await outboxEmptied(wes, 'wes');
  assert.deepEqual([...wes.problems, ...xia.problems], []);
});

// Only the server's refusal (an error naming the id) fails a message; it can then be retried or discarded, also after a reload.
test('a refused message is failed, and can be retried or discarded', async (t) => {
  const strict = await startServer({ args: ['--send-rate', '1', '--send-burst', '1'] });
  const yan = await openPage(env.browser);
  t.after(async () => {
    await yan.context().close();
    await strict.stop();
  });
  await register(yan, strict.pageUrl, 'yan');
  for (const text of ['one', 'two', 'three']) await send(yan, text);
  await messageItem(yan, 'yan', 'one').and(yan.locator('[data-state="delivered"]')).waitFor();
  for (const text of ['two', 'three']) {
    const item = messageItem(yan, 'yan', text);
    await item.and(yan.locator('[data-state="failed"]')).waitFor();
    assert.match(await item.getByTestId('message-failure').textContent(), /slow down/i);
  }
  await shot(yan, 'failed-message.png');

  // A reload shows them failed still: they are not sent again by themselves.
  await yan.reload();
  await waitForStatus(yan, 'connected');
  await messageItem(yan, 'yan', 'three').and(yan.locator('[data-state="failed"]')).waitFor();
  await messageItem(yan, 'yan', 'three').getByTestId('message-discard').click();
  await messageItem(yan, 'yan', 'three').waitFor({ state: 'detached' });
  assert.deepEqual((await outbox(yan, 'yan')).map((e) => e.text), ['two']);

  // Retry until the pace allows it (one a second here); each try either delivers or fails again.
  const two = messageItem(yan, 'yan', 'two');
  for (const deadline = Date.now() + WAIT_MS; (await two.getAttribute('data-state')) !== 'delivered';) {
    assert.ok(Date.now() < deadline, 'delivered by a retry');
    await two.getByTestId('message-retry').click();
    await two.and(yan.locator(':is([data-state="delivered"], [data-state="failed"])')).waitFor();
  }
  await outboxEmptied(yan, 'yan');
  assert.equal((await seqsOf(yan, 'two')).length, 1);
  assert.deepEqual(yan.problems, []);
});
