// attention.test.mjs: what tells you something happened: a message naming you counted apart from
// plain unread (and marked in the text), the tab's title counting what arrives while the page is
// out of sight (the open conversation included), desktop notifications once switched on (for a
// private message or a mention, never for the conversation you are reading), and the empty
// states that say what a conversation is. "Out of sight" is the page's visibilityState, set here
// as a minimised window would; notifications are the real API, watched on their way out.
// Screenshots: attention-sidebar.png, attention-empty-room.png, attention-empty-dm-dark.png.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  createRoom, messageItem, openConversation, openPage, register, registeredPages, send, shot,
  sidebarEntry, useServerAndBrowser, waitForUnread,
} from './harness.mjs';

const env = useServerAndBrowser();

/** Makes `page` believe it is out of sight (true) or back in front (false), as the browser would. */
function setHidden(page, hidden) {
  return page.evaluate((hide) => {
    const state = hide ? 'hidden' : 'visible';
    Object.defineProperty(document, 'visibilityState', { value: state, configurable: true });
    Object.defineProperty(document, 'hidden', { value: hide, configurable: true });
    document.dispatchEvent(new Event('visibilitychange'));
  }, hidden);
}

// In a room, a message naming you is counted apart from the rest, and marked where it is shown.
test('a mention is counted apart from plain unread', async (t) => {
  const [amy, ben] = await registeredPages(t, env, ['amy', 'ben']);
  await openConversation(ben, 'd/amy'); // ben is away from general
  await send(amy, 'the slides are up');
  await send(amy, '@ben can you bring the projector?');
  await waitForUnread(ben, 'r/general', 2);
  const entry = sidebarEntry(ben, 'r/general');
  assert.equal(await entry.getAttribute('data-mentions'), '1');
  assert.match(await entry.getByTestId('unread').textContent(), /^@ 2 unread, 1 mentioning you$/);
  await shot(ben, 'attention-sidebar.png');
  await openConversation(ben, 'r/general');
  assert.equal(await messageItem(ben, 'amy', '@ben can you bring the projector?').locator('mark.mention').textContent(), '@ben');
  assert.equal(await entry.getAttribute('data-mentions'), '0', 'read once opened');
  assert.deepEqual([...amy.problems, ...ben.problems], []);
});

// While the page is out of sight, the title counts what arrives, in the open conversation too; back in sight, what is open is read.
test('the tab title counts what arrives while the page is hidden', async (t) => {
  const [cai, dee] = await registeredPages(t, env, ['cai', 'dee']);
  await send(cai, 'before dee looked away');
  await messageItem(dee, 'cai', 'before dee looked away').waitFor();
  assert.equal(await dee.title(), 'threadchat');
  await setHidden(dee, true);
  await send(cai, 'one');
  await send(cai, 'two');
  await dee.waitForFunction(() => document.title === '(2) threadchat');
  await setHidden(dee, false);
  await dee.waitForFunction(() => document.title === 'threadchat');
  assert.deepEqual([...cai.problems, ...dee.problems], []);
});

// Switched on, a notification comes for a private message or a mention while you are not reading it, and for nothing else.
test('desktop notifications, once switched on, for private messages and mentions', async (t) => {
  const [eve] = await registeredPages(t, env, ['eve']);
  const fay = await openPage(env.browser);
  t.after(() => fay.context().close());
  await fay.context().grantPermissions(['notifications'], { origin: new URL(env.server.pageUrl).origin });
  // Every notification the page makes, noted before it goes to the real API.
  await fay.addInitScript(() => {
    const Real = window.Notification;
    window.shown = [];
    class Watched extends Real {
      constructor(title, options) {
        super(title, options);
        window.shown.push({ title, body: options?.body ?? '' });
      }
    }
    window.Notification = Watched;
  });
  await register(fay, env.server.pageUrl, 'fay');
  const button = fay.getByTestId('notify');
  assert.equal(await button.getAttribute('aria-pressed'), 'false', 'off until asked for');
  await button.click();
  await fay.locator('[data-testid="notify"][aria-pressed="true"]').waitFor();
  const shown = () => fay.evaluate(() => window.shown);

  await openConversation(fay, 'd/eve');
  await openConversation(eve, 'd/fay');
  await send(eve, 'fay is reading this one');
  await messageItem(fay, 'eve', 'fay is reading this one').waitFor();
  await setHidden(fay, true);
  await send(eve, 'psst, the answer is 42');
  await openConversation(eve, 'r/general');
  await send(eve, 'a plain message for everyone');
  await send(eve, '@fay your turn to present');
  await waitForUnread(fay, 'r/general', 2);
  await fay.waitForFunction(() => window.shown.length >= 2);
  assert.deepEqual(await shown(), [
    { title: 'eve', body: 'psst, the answer is 42' },
    { title: 'eve in #general', body: '@fay your turn to present' },
  ]);
  // In sight and reading the conversation: no notification for what you already see.
  await setHidden(fay, false);
  await openConversation(fay, 'd/eve');
  await openConversation(eve, 'd/fay');
  await send(eve, 'seen as it comes');
  await messageItem(fay, 'eve', 'seen as it comes').waitFor();
  assert.equal((await shown()).length, 2);
  // Switched off, and kept so across a reload.
  await button.click();
  await fay.locator('[data-testid="notify"][aria-pressed="false"]').waitFor();
  await fay.reload();
  await fay.locator('[data-testid="notify"][aria-pressed="false"]').waitFor();
  assert.deepEqual([...eve.problems, ...fay.problems], []);
});

// A conversation shown from its beginning says what it is and who sees it.
test('empty conversations say what they are', async (t) => {
  const [gus] = await registeredPages(t, env, ['gus']);
  await createRoom(gus, 'maths');
  await gus.locator('[data-testid="history-edge"][data-state="start"]', { hasText: 'This is the start of #maths.' }).waitFor();
  await shot(gus, 'attention-empty-room.png');
  const hal = await openPage(env.browser, { colorScheme: 'dark' });
  t.after(() => hal.context().close());
  await register(hal, env.server.pageUrl, 'hal');
  await openConversation(hal, 'd/gus');
  await hal.locator('[data-testid="history-edge"][data-state="start"]',
    { hasText: 'This is the start of your conversation with gus. Only the two of you see it.' }).waitFor();
  await shot(hal, 'attention-empty-dm-dark.png');
  assert.deepEqual([...gus.problems, ...hal.problems], []);
});
