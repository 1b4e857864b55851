// unread.test.mjs: read positions kept by the server, as a person meets them: what one tab reads
// is read in the others; a reload starts with the counts the server kept, and opens the room at
// the "New messages" divider above the first message not yet read (which history brings after
// the reload). Screenshot: unread-after-reload.png.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  createRoom, messageItem, openConversation, openPage, postMany, register, registeredPages, shot,
  useServerAndBrowser, waitForStatus, waitForUnread,
} from './harness.mjs';

const env = useServerAndBrowser({ args: ['--send-rate', '10000', '--send-burst', '10000'] });

// Two tabs of one account: reading general in one clears its count in the other; what came after is counted again, after a reload too, and the room opens where it begins.
test('what one tab reads is read in the others, and after a reload', async (t) => {
  const [amy] = await registeredPages(t, env, ['amy']);
  const first = await openPage(env.browser);
  t.after(() => first.context().close());
  await register(first, env.server.pageUrl, 'ben');
  const second = await first.context().newPage(); // another tab: the same sign-in
  second.problems = [];
  second.on('pageerror', (err) => second.problems.push(`page error: ${err.message}`));
  await second.goto(env.server.pageUrl);
  await waitForStatus(second, 'connected');
  await createRoom(first, 'quiet'); // where ben is while amy writes in general
  await openConversation(second, 'r/quiet');

  await postMany(amy, env.server.wsPort, 'general', 'morning', 3);
  for (const tab of [first, second]) await waitForUnread(tab, 'r/general', 3);
  await openConversation(first, 'r/general');
  await messageItem(first, 'amy', 'morning 3').waitFor();
  await waitForUnread(second, 'r/general', 0); // the server told the other tab

  await openConversation(first, 'r/quiet');
  await postMany(amy, env.server.wsPort, 'general', 'later', 30);
  await waitForUnread(second, 'r/general', 30);
  // As if this tab had been closed before it noted the last ones (or another tab's note crossed
  // its own): the replay after the reload brings 5 that the server's count already has.
  await second.evaluate(() => {
    const key = Object.keys(localStorage).find((k) => k.endsWith('.since'));
    localStorage.setItem(key, JSON.stringify(JSON.parse(localStorage.getItem(key)) - 5));
  });
  await second.reload();
  await waitForStatus(second, 'connected');
  await waitForUnread(second, 'r/general', 30); // counted by the server, not by this page
  await openConversation(second, 'r/general');
  const divider = second.getByTestId('new-divider');
  await divider.waitFor();
  assert.equal(await divider.evaluate((node) => node.nextElementSibling?.querySelector('.text')?.textContent), 'later 1');
  assert.ok(await divider.evaluate((node) => {
    const box = node.getBoundingClientRect();
    const list = node.closest('[data-testid="messages"]').getBoundingClientRect();
    return box.top >= list.top && box.bottom <= list.bottom;
  }), 'opened at the divider');
  await shot(second, 'unread-after-reload.png');
  await waitForUnread(first, 'r/general', 30); // first has not read them: still counted there

  // Scrolling to the end reads them: the count goes in the other tab as well.
  await second.getByTestId('messages').evaluate((node) => { node.scrollTop = node.scrollHeight; });
  await waitForUnread(first, 'r/general', 0);
  assert.deepEqual([...amy.problems, ...first.problems, ...second.problems], []);
});
