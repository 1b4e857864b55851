// chat.test.mjs: people chatting in #general through the real server in headless Chromium:
// delivery between two pages, pending → delivered, presence in the People list, user text rendered
// as text, the byte limit (said in characters) and the scrolling rule. Each person is a registered account in a browser
// context of their own. One server (with accounts) and one browser for the whole file.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  messageItem, registeredPages, send, shot, useServerAndBrowser, waitForPeople,
} from './harness.mjs';

// One server and one browser for this file, stopped when it ends.
const env = useServerAndBrowser();

/** Records every data-state a message item takes in the page, in order. */
function recordMessageStates(page) {
  return page.evaluate(() => {
    window.seenStates = [];
    const note = (state) => window.seenStates.at(-1) !== state && window.seenStates.push(state);
    new MutationObserver((records) => {
      for (const record of records) {
        if (record.type === 'attributes') note(record.target.dataset.state);
        for (const node of record.addedNodes) if (node.dataset?.testid === 'message') note(node.dataset.state);
      }
    }).observe(document.getElementById('message-area'), {
      childList: true, subtree: true, attributes: true, attributeFilter: ['data-state'],
    });
  });
}

// A message typed in one page reaches the other with sender and HH:MM time, and turns from pending to delivered for its sender.
test('two pages chat: delivery, pending then delivered, presence', async (t) => {
  const [alice, bob] = await registeredPages(t, env, ['alice', 'bob']);

  // bob registered after alice was in: his arrival reaches her as presence (you are listed first).
  await waitForPeople(alice, [['alice', true], ['bob', true]]);
  await waitForPeople(bob, [['bob', true], ['alice', true]]);
  for (const page of [alice, bob]) {
    assert.equal(await page.getByTestId('conversation-title').textContent(), '# general');
  }

  await recordMessageStates(alice);
  await send(alice, 'hello bob');
  const sent = messageItem(alice, 'alice', 'hello bob');
  await sent.and(alice.locator('[data-state="delivered"]')).waitFor();
  assert.deepEqual(await alice.evaluate(() => window.seenStates), ['pending', 'delivered']);
  assert.match(await sent.getAttribute('class'), /\bmine\b/);
  assert.match(await sent.getByTestId('message-time').textContent(), /^\d{2}:\d{2}$/);
  assert.equal(await alice.evaluate(() => document.activeElement?.dataset.testid), 'message-input');
  assert.equal(await alice.getByTestId('message-input').inputValue(), '');

  const received = messageItem(bob, 'alice', 'hello bob');
  await received.waitFor();
  assert.equal(await received.getByTestId('message-from').textContent(), 'alice');
  assert.match(await received.getByTestId('message-time').textContent(), /^\d{2}:\d{2}$/);
  assert.doesNotMatch(await received.getAttribute('class'), /\bmine\b/);

  await send(bob, 'hi alice! the build is green again ✓ (ça marche)');
  await messageItem(alice, 'bob', 'hi alice! the build is green again ✓ (ça marche)').waitFor();
  await send(alice, 'great, merging now');
  await messageItem(bob, 'alice', 'great, merging now').waitFor();
  await messageItem(alice, 'alice', 'great, merging now').and(alice.locator('[data-state="delivered"]')).waitFor();
  await shot(alice, 'two-tabs.png');
  await shot(bob, 'two-tabs-bob.png');
  assert.deepEqual([...alice.problems, ...bob.problems], []);
});

// User text is rendered as text: markup in a message shows literally and creates no element.
test('markup in a message is shown as text, never parsed', async (t) => {
  const [mallory, victim] = await registeredPages(t, env, ['mallory', 'victim']);
  const evil = '<b>x</b><img src=x onerror="window.pwned=1">';
  await send(mallory, evil);
  for (const page of [mallory, victim]) {
    const item = messageItem(page, 'mallory', evil);
    await item.waitFor();
    assert.equal(await item.getByTestId('message-text').textContent(), evil);
    assert.equal(await page.locator('[data-testid="messages"] :is(b, img)').count(), 0);
    assert.equal(await page.evaluate(() => window.pwned), undefined);
    assert.deepEqual(page.problems, []);
  }
});

// The page respects /api/info's max_text_bytes: a message over it (counted in UTF-8 bytes) is held back, and the note says by how many characters.
test('a message over the byte limit is stopped in the page', async (t) => {
  const [dora] = await registeredPages(t, env, ['dora', 'dora-friend']);
  const limit = await dora.evaluate(async () => (await (await fetch('/api/info')).json()).max_text_bytes);
  const input = dora.getByTestId('message-input');
  await input.fill('é'.repeat(limit / 2 + 1)); // fewer characters than the limit, more bytes
  await dora.locator('[data-testid="text-limit"]', { hasText: /^1 character too many$/ }).waitFor();
  assert.equal(await dora.getByTestId('send').isDisabled(), true);
  await input.press('Enter');
  // (#general shows the earlier tests' messages too: only dora's own count here.)
  assert.equal(await dora.locator('[data-testid="message"][data-from="dora"]').count(), 0);
  await input.fill('é'.repeat(limit / 2)); // exactly at the limit: allowed
  await dora.locator('[data-testid="text-limit"]', { hasText: /^0 characters left$/ }).waitFor();
  assert.equal(await dora.getByTestId('send').isDisabled(), false);
  await input.press('Enter');
  await dora.locator('[data-testid="message"][data-from="dora"][data-state="delivered"]').waitFor();
});

// The list follows new messages only when the reader is at the bottom; a reader scrolled up keeps their place.
test('new messages scroll the list only if the reader was at the bottom', async (t) => {
  const [reader, writer] = await registeredPages(t, env, ['reader', 'writer']);
  const list = reader.getByTestId('messages');
  const atBottom = () => list.evaluate((ul) => ul.scrollHeight - ul.scrollTop - ul.clientHeight < 2);
  for (let i = 1; i <= 30; i++) await send(writer, `line ${i}`);
  await messageItem(reader, 'writer', 'line 30').waitFor();
  assert.equal(await atBottom(), true, 'followed while at the bottom');

  await list.evaluate((ul) => { ul.scrollTop = 0; });
  await send(writer, 'while you were reading');
  await messageItem(reader, 'writer', 'while you were reading').waitFor();
  assert.equal(await list.evaluate((ul) => ul.scrollTop), 0, 'kept the place of a reader scrolled up');
  await reader.locator('#jump').click();
  assert.equal(await atBottom(), true, 'the "New messages" button goes to the end');
});
