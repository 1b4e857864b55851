// reading.test.mjs: reading a conversation as people read chats: links that can be clicked (and
// text that stays text), a sender's run of messages under one name, a heading for each day
// ("Today", "Yesterday", a date: the reader's clock is moved, the server's stamps are real), the
// "New messages" divider where unread begins, the newest message kept in sight when the list gets
// shorter, a failed message keeping its place, and nobody shown "online" while disconnected.
// Screenshots: reading-light.png, reading-dark.png, reading-phone.png, reading-divider.png,
// reading-offline.png.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  WAIT_MS, messageItem, openConversation, openPage, postMany, register, registeredPages, send, shot,
  startServer, useServerAndBrowser, waitForUnread,
} from './harness.mjs';

// Sends are not paced here: postMany writes a page's worth at once.
const env = useServerAndBrowser({ args: ['--send-rate', '10000', '--send-burst', '10000'] });
const DAY_MS = 24 * 60 * 60 * 1000;

/** The open list's rows, top to bottom: a message as its text, a heading or divider as [label]. */
function rows(page) {
  return page.locator('[data-testid="messages"] > li:not(.edge)').evaluateAll((items) => items.map((li) =>
    li.matches('.msg') ? `${li.classList.contains('grouped') ? '  ' : ''}${li.dataset.from}: ${li.querySelector('.text').textContent}`
      : `[${li.textContent.trim()}]`));
}

/** WCAG contrast ratio between the colour of `selector`'s text and the background behind it. */
function contrast(page, selector) {
  return page.locator(selector).first().evaluate((node) => {
    const rgb = (css) => css.match(/[\d.]+/g).map(Number);
    const luminance = ([r, g, b]) => {
      const lin = (c) => (c / 255 <= 0.03928 ? c / 255 / 12.92 : ((c / 255 + 0.055) / 1.055) ** 2.4);
      return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
    };
    let back = node;
    while (back && rgb(getComputedStyle(back).backgroundColor)[3] === 0) back = back.parentElement;
    const style = getComputedStyle(node);
    // Opacity on the way up dims the text against what is behind: fold it into the ratio's input.
    let opacity = 1;
    for (let n = node; n; n = n.parentElement) opacity *= Number(getComputedStyle(n).opacity);
    const bg = rgb(getComputedStyle(back ?? document.body).backgroundColor);
    const fg = rgb(style.color).slice(0, 3).map((c, i) => c * opacity + bg[i] * (1 - opacity));
    const [a, b] = [luminance(fg), luminance(bg)].sort((x, y) => y - x);
    return (a + 0.05) / (b + 0.05);
  });
}

// A link in a message opens in a new tab without giving the page a handle on us; markup stays text; only your own @-mention is marked.
test('links can be clicked and text stays text', async (t) => {
  const [amy, ben] = await registeredPages(t, env, ['amy', 'ben']);
  const text = 'homework: https://example.org/sheet?week=3 (due Friday). <b>not bold</b> @ben javascript:alert(1)';
  await send(amy, text);
  const item = messageItem(ben, 'amy', text);
  await item.waitFor();
  const link = item.locator('a');
  assert.equal(await link.count(), 1, 'one link: javascript: is not one');
  assert.equal(await link.getAttribute('href'), 'https://example.org/sheet?week=3');
  assert.equal(await link.textContent(), 'https://example.org/sheet?week=3', 'the sentence\'s full stop and bracket stay outside');
  assert.equal(await link.getAttribute('target'), '_blank');
  assert.equal(await link.getAttribute('rel'), 'noopener noreferrer');
  assert.equal(await item.locator('b').count(), 0, 'no markup from a message');
  assert.equal(await item.locator('mark.mention').textContent(), '@ben', 'ben sees his mention');
  assert.equal(await messageItem(amy, 'amy', text).locator('mark').count(), 0, 'amy mentioned ben, not herself');
  assert.deepEqual([...amy.problems, ...ben.problems], []);
});

// One sender's messages in a row share one name and time; another sender, or a notice, starts a new run.
test('a sender\'s run of messages is grouped under one name', async (t) => {
  const [cai, dee] = await registeredPages(t, env, ['cai', 'dee']);
  const script = [['cai', 'are we meeting today?'], ['cai', 'I can do 3pm'], ['cai', 'or after 5'], ['dee', '3pm works'], ['cai', 'great']];
  for (const [from, text] of script) {
    await send(from === 'cai' ? cai : dee, text);
    await messageItem(dee, from, text).waitFor();
  }
  const shown = (await rows(dee)).filter((row) => !row.startsWith('['));
  assert.deepEqual(shown.slice(-5), [
    'cai: are we meeting today?', '  cai: I can do 3pm', '  cai: or after 5', 'dee: 3pm works', 'cai: great',
  ]);
  const grouped = messageItem(dee, 'cai', 'I can do 3pm');
  assert.equal(await grouped.getByTestId('message-from').isVisible(), false, 'no second name');
  assert.ok((await grouped.locator('.bubble').getAttribute('title'))?.length > 0, 'its time is its tooltip');
  const height = (text) => messageItem(dee, 'cai', text).evaluate((li) => li.getBoundingClientRect().height);
  assert.ok(await height('I can do 3pm') < await height('are we meeting today?') - 8, 'a grouped message is shorter');
  assert.deepEqual([...cai.problems, ...dee.problems], []);
});

// The messages of each day stand under its heading: "Today", "Yesterday", then the date (the reader's clock moved forward; the server stamps as ever).
test('each day has a heading: Today, Yesterday, then the date', async (t) => {
  const [eve] = await registeredPages(t, env, ['eve']);
  await send(eve, 'a line for the calendar');
  await messageItem(eve, 'eve', 'a line for the calendar').waitFor();
  const headings = (page) => page.locator('[data-testid="messages"] [data-testid="day"]').allTextContents();
  assert.deepEqual(await headings(eve), ['Today']);
  await shot(eve, 'reading-light.png');

  const later = async (days, options = {}) => {
    const page = await openPage(env.browser, options);
    t.after(() => page.context().close());
    await page.clock.setFixedTime(Date.now() + days * DAY_MS);
    await register(page, env.server.pageUrl, `eve${days}`);
    await messageItem(page, 'eve', 'a line for the calendar').waitFor();
    return page;
  };
  const tomorrow = await later(1, { colorScheme: 'dark' });
  assert.ok((await headings(tomorrow)).includes('Yesterday'));
  await shot(tomorrow, 'reading-dark.png');
  const inThreeDays = await later(3, { width: 375, height: 740 });
  const label = new Date().toLocaleDateString('en-US', { weekday: 'long', day: 'numeric', month: 'long' });
  assert.ok((await headings(inThreeDays)).includes(label), `a date such as "${label}"`);
  await shot(inThreeDays, 'reading-phone.png');
  assert.deepEqual(eve.problems, []);
});

// Opening a room with unread messages puts a "New messages" line above the first one and opens there, not at the bottom.
test('a conversation opens at the "New messages" divider', async (t) => {
  const [fay, gus] = await registeredPages(t, env, ['fay', 'gus']);
  await send(fay, 'before gus left');
  await messageItem(gus, 'fay', 'before gus left').waitFor();
  await openConversation(gus, 'd/fay'); // gus is elsewhere while fay writes in general
  await postMany(fay, env.server.wsPort, 'general', 'while away', 40);
  await waitForUnread(gus, 'r/general', 40);
  await openConversation(gus, 'r/general');
  const divider = gus.getByTestId('new-divider');
  await divider.waitFor();
  const after = await divider.evaluate((node) => node.nextElementSibling?.querySelector('.text')?.textContent);
  assert.equal(after, 'while away 1', 'the line sits above the first unread message');
  const list = gus.getByTestId('messages');
  const inView = (locator) => locator.evaluate((node) => {
    const box = node.getBoundingClientRect();
    const frame = node.closest('[data-testid="messages"]').getBoundingClientRect();
    return box.top >= frame.top && box.bottom <= frame.bottom;
  });
  assert.ok(await inView(divider), 'opened at the divider');
  assert.equal(await inView(messageItem(gus, 'fay', 'while away 40')), false, 'not at the bottom');
  await shot(gus, 'reading-divider.png');
  // Read to the end and come back: the line has gone, nothing being new.
  await list.evaluate((node) => { node.scrollTop = node.scrollHeight; });
  await openConversation(gus, 'd/fay');
  await openConversation(gus, 'r/general');
  assert.equal(await gus.getByTestId('new-divider').count(), 0);
  assert.deepEqual([...fay.problems, ...gus.problems], []);
});

// A refused message stays where it was written: newer messages from others go below it, not above.
test('a failed message keeps its place among newer ones', async (t) => {
  const strict = await startServer({ args: ['--send-rate', '1', '--send-burst', '1'] });
  const hal = await openPage(env.browser);
  const ida = await openPage(env.browser);
  t.after(async () => {
    await Promise.all([hal, ida].map((page) => page.context().close()));
    await strict.stop();
  });
  await register(hal, strict.pageUrl, 'hal');
  await register(ida, strict.pageUrl, 'ida');
  await send(hal, 'first');
  await send(hal, 'too soon');
  await messageItem(hal, 'hal', 'too soon').and(hal.locator('[data-state="failed"]')).waitFor();
  await send(ida, 'a newer one');
  await messageItem(hal, 'ida', 'a newer one').waitFor();
  const order = (await rows(hal)).filter((row) => !row.startsWith('['));
  assert.deepEqual(order.slice(-3).map((row) => row.trim()), ['hal: first', 'hal: too soon', 'ida: a newer one']);
  assert.deepEqual([...hal.problems, ...ida.problems], []);
});

// Losing the server: the newest message stays in sight as the banner appears, nobody is "online", and pending text and Send keep their contrast.
test('while disconnected: the newest line in sight, no presence, readable pending', async (t) => {
  const server = await startServer();
  const pages = [];
  t.after(async () => {
    await Promise.all(pages.map((page) => page.context().close()));
    await server.stop();
  });
  for (const name of ['jo', 'kim']) {
    const page = await openPage(env.browser);
    pages.push(page);
    await register(page, server.pageUrl, name);
  }
  const [jo, kim] = pages;
  await openConversation(jo, 'd/kim');
  await send(kim, 'hello jo');
  await openConversation(kim, 'd/jo');
  await send(kim, 'are you there?');
  await messageItem(jo, 'kim', 'are you there?').waitFor();
  for (let i = 1; i <= 30; i++) await send(kim, `line ${i}`);
  await messageItem(jo, 'kim', 'line 30').waitFor();
  assert.equal(await jo.locator('#conversation-info').textContent(), 'online');
  const lastInView = () => jo.locator('[data-testid="messages"] > li.msg').last().evaluate((li) =>
    li.getBoundingClientRect().bottom <= li.closest('[data-testid="messages"]').getBoundingClientRect().bottom + 1);
  assert.ok(await lastInView(), 'at the bottom before');

  await server.stop();
  await jo.getByTestId('banner').waitFor();
  await jo.waitForFunction(() => document.getElementById('conversation-info').textContent === '', null, { timeout: WAIT_MS });
  await jo.waitForFunction(() => {
    const list = document.querySelector('[data-testid="messages"]');
    const last = [...list.querySelectorAll(':scope > li.msg')].at(-1);
    return last.getBoundingClientRect().bottom <= list.getBoundingClientRect().bottom + 1;
  }, null, { timeout: WAIT_MS });
  await send(jo, 'waiting for the server');
  await messageItem(jo, 'jo', 'waiting for the server').and(jo.locator('[data-state="pending"]')).waitFor();
  assert.ok(await lastInView(), 'the pending line in sight too');
  for (const selector of ['.msg[data-state="pending"] .text', '.msg[data-state="pending"] .state', '#send']) {
    const ratio = await contrast(jo, selector);
    assert.ok(ratio >= 4.5, `${selector}: contrast ${ratio.toFixed(2)}:1, at least 4.5:1`);
  }
  await shot(jo, 'reading-offline.png');
});
