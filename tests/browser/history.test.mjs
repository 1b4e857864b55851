// history.test.mjs: older messages, page by page. A room with more than a page of messages
// (posted through a WebSocket of the writer's page, quicker than typing them) is opened in a
// fresh page: it shows the newest 50; scrolling to the top loads the older ones above without
// moving what the reader was looking at, each message once, down to "Beginning of the
// conversation". Switching away and back keeps the messages and the scroll position. With a
// retention limit, the top says "Older messages are no longer kept". The servers here allow fast
// sending (--send-rate), so that posting 130 messages takes no time.

import { test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import assert from 'node:assert/strict';
import {
  createRoom, joinRoom, openConversation, openPage, postMany, register, shot, startServer,
  useServerAndBrowser, WAIT_MS,
} from './harness.mjs';

const FAST = ['--send-rate', '10000', '--send-burst', '10000'];

// One server and one browser for this file, stopped when it ends.
const env = useServerAndBrowser({ args: FAST });

/** The texts and seqs of the open list's messages, top to bottom. */
function shown(page) {
  return page.locator('[data-testid="messages"] [data-testid="message"]').evaluateAll((items) =>
    items.map((li) => ({ text: li.querySelector('[data-testid="message-text"]').textContent, seq: Number(li.dataset.seq) })));
}

/** How many messages of `room` the server keeps, asked from inside `page` on a socket of its own. */
function keptIn(page, wsPort, room) {
  return page.evaluate(async ({ wsPort, room }) => {
    const ws = new WebSocket(`ws://${location.hostname}:${wsPort}/`);
    const answer = await new Promise((resolve, reject) => {
      ws.onerror = () => reject(new Error('the socket failed'));
      ws.onmessage = (event) => {
        const frame = JSON.parse(event.data);
        if (frame.type === 'welcome') ws.send(JSON.stringify({ type: 'history', room, limit: 200 }));
        if (frame.type === 'history') resolve(frame);
      };
    });
    ws.close();
    return answer.messages.length;
  }, { wsPort, room });
}

const list = (page) => page.getByTestId('messages');
const edge = (page, state) => page.locator(`[data-testid="history-edge"][data-state="${state}"]`);

/** Scrolls the open list to its top, and waits for `count` messages to be shown. */
async function scrollUpUntil(page, count) {
  await list(page).evaluate((ul) => { ul.scrollTop = 0; });
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid="messages"] [data-testid="message"]').length === n, count);
}

/** Each message once, in seq order, and the texts `${prefix} from..to`. */
function assertRun(messages, prefix, from, to) {
  const seqs = messages.map((m) => m.seq);
  assert.equal(new Set(seqs).size, seqs.length, 'no duplicates');
  assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b), 'in seq order');
  const want = Array.from({ length: to - from + 1 }, (_, i) => `${prefix} ${from + i}`);
  assert.deepEqual(messages.map((m) => m.text), want);
}

// Opening a room shows its newest 50; scrolling to the top loads older pages, keeping the reader's place, without duplicates.
test('scrolling up loads older history', { timeout: 60_000 }, async (t) => {
  const sam = await openPage(env.browser);
  const tia = await openPage(env.browser, { height: 700 });
  t.after(() => Promise.all([sam.context().close(), tia.context().close()]));
  await register(sam, env.server.pageUrl, 'sam');
  await createRoom(sam, 'log');
  await postMany(sam, env.server.wsPort, 'log', 'entry', 130);

  await register(tia, env.server.pageUrl, 'tia');
  await joinRoom(tia, 'log');
  await tia.waitForFunction(() => document.querySelectorAll('[data-testid="messages"] [data-testid="message"]').length === 50);
  await edge(tia, 'more').waitFor();
  assertRun(await shown(tia), 'entry', 81, 130);
  assert.ok(await list(tia).evaluate((ul) => ul.scrollHeight - ul.scrollTop - ul.clientHeight < 2), 'opened at the newest');

  // The reader scrolls to the top: the text of the message that was first stays where it was on
  // the screen (its name line may go: the older page makes it the next of its sender's run).
  const offset = (seq) => tia.evaluate((s) => {
    const ul = document.querySelector('[data-testid="messages"]');
    const text = ul.querySelector(`[data-seq="${s}"] [data-testid="message-text"]`);
    return text.getBoundingClientRect().top - ul.getBoundingClientRect().top;
  }, seq);
  const firstSeq = await tia.locator('[data-testid="message"][data-seq]').first().getAttribute('data-seq');
  const topOfList = (await offset(firstSeq)) + (await list(tia).evaluate((ul) => ul.scrollTop));
  await list(tia).evaluate((ul) => { ul.scrollTop = 0; }); // where firstSeq shows at topOfList
  await tia.waitForFunction(() => document.querySelectorAll('[data-testid="messages"] [data-testid="message"]').length === 100);
  assert.ok(Math.abs((await offset(firstSeq)) - topOfList) < 2, 'the place is kept');
  assertRun(await shown(tia), 'entry', 31, 130);

  await scrollUpUntil(tia, 130);
  await edge(tia, 'start').filter({ hasText: 'Beginning of the conversation' }).waitFor();
  assertRun(await shown(tia), 'entry', 1, 130);
  await list(tia).evaluate((ul) => { ul.scrollTop = 0; });
  await shot(tia, 'history-start.png');

  // New messages while reading join the same list, once.
  await postMany(sam, env.server.wsPort, 'log', 'late', 2);
  await tia.waitForFunction(() => document.querySelectorAll('[data-testid="messages"] [data-testid="message"]').length === 132);

  // Another conversation and back: the messages are still there, and so is the reader's place.
  await list(tia).evaluate((ul) => { ul.scrollTop = ul.scrollHeight / 3; });
  const place = await list(tia).evaluate((ul) => ul.scrollTop);
  await openConversation(tia, 'r/general');
  await openConversation(tia, 'r/log');
  assert.equal((await shown(tia)).length, 132);
  assert.ok(Math.abs((await list(tia).evaluate((ul) => ul.scrollTop)) - place) < 2, 'scroll position kept');
  assert.deepEqual([...sam.problems, ...tia.problems], []);
});

// With --history-messages, what retention removed is not "the beginning": the top says so.
test('history cut by retention says that older messages are no longer kept', { timeout: 60_000 }, async (t) => {
  const server = await startServer({ args: [...FAST, '--history-messages', '40'] });
  const uli = await openPage(env.browser);
  const val = await openPage(env.browser);
  t.after(async () => {
    await Promise.all([uli.context().close(), val.context().close()]);
    await server.stop();
  });
  await register(uli, server.pageUrl, 'uli');
  await createRoom(uli, 'notes');
  await postMany(uli, server.wsPort, 'notes', 'note', 60);
  // Retention sweeps about once a second: ask until the oldest are gone, with a deadline.
  const deadline = Date.now() + WAIT_MS;
  while ((await keptIn(uli, server.wsPort, 'notes')) !== 40) {
    assert.ok(Date.now() < deadline, 'retention removed the oldest messages in time');
    await delay(250);
  }

  await register(val, server.pageUrl, 'val');
  await joinRoom(val, 'notes');
  await edge(val, 'truncated').filter({ hasText: 'Older messages are no longer kept' }).waitFor();
  assertRun(await shown(val), 'note', 21, 60);
  assert.deepEqual([...uli.problems, ...val.problems], []);
});
