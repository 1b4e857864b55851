// layout.test.mjs: how the page looks: light and dark at 1280x800, and a 360x740 phone. It pins
// that dark mode really is dark, that the online list is a sidebar on wide screens and behind a
// button on phones, and that nothing overflows sideways at 360 px; it saves the screenshots
// (light.png, dark.png, phone.png, phone-online.png) into target/browser-artifacts/.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { messageItem, openPage, send, shot, signIn, useServerAndBrowser } from './harness.mjs';

// One server and one browser for this file, stopped when it ends.
const env = useServerAndBrowser();

/** Relative luminance (0 dark … 1 light) of an element's computed background colour. */
function backgroundLuminance(page, selector) {
  return page.locator(selector).evaluate((node) => {
    const [r, g, b] = getComputedStyle(node).backgroundColor.match(/[\d.]+/g).map(Number);
    return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
  });
}

const CONVERSATION = [
  ['maya', 'morning! did anyone look at the flaky reconnect test?'],
  ['sam', 'yes: the server kept the old port for a moment, so the rebind now retries for a couple of seconds'],
  ['lee', 'nice, thanks!'],
  ['maya', 'and the page keeps its history across the restart?'],
  ['sam', 'it does, and anything still "sending…" is marked as not sent'],
];

// The page is usable and good-looking in light mode, dark mode and on a 360 px phone.
test('light, dark and phone layouts', async (t) => {
  const light = await openPage(env.browser);
  const dark = await openPage(env.browser, { colorScheme: 'dark' });
  const phone = await openPage(env.browser, { width: 360, height: 740 });
  const pages = { maya: light, sam: dark, lee: phone };
  t.after(() => Promise.all(Object.values(pages).map((page) => page.context().close())));
  for (const [name, page] of Object.entries(pages)) await signIn(page, env.server.pageUrl, name);

  for (const [from, text] of CONVERSATION) {
    await send(pages[from], text);
    for (const page of Object.values(pages)) await messageItem(page, from, text).waitFor();
  }
  for (const page of Object.values(pages)) {
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="online-user"]').length === 3);
  }

  assert.ok((await backgroundLuminance(light, 'body')) > 0.8, 'light mode has a light background');
  assert.ok((await backgroundLuminance(dark, 'body')) < 0.2, 'dark mode has a dark background');
  for (const page of [light, dark]) {
    assert.equal(await page.getByTestId('online-list').isVisible(), true, 'sidebar on wide screens');
    assert.equal(await page.locator('#online-toggle').isVisible(), false);
  }
  await shot(light, 'light.png');
  await shot(dark, 'dark.png');

  assert.equal(await phone.getByTestId('online-list').isVisible(), false, 'online list folded on phones');
  assert.ok(await phone.evaluate(() => document.documentElement.scrollWidth <= 360), 'no sideways scroll');
  await shot(phone, 'phone.png');
  await phone.locator('#online-toggle').click();
  await phone.getByTestId('online-list').waitFor({ state: 'visible' });
  assert.equal(await phone.getByTestId('online-count').textContent(), '3');
  await shot(phone, 'phone-online.png');
  assert.deepEqual([...light.problems, ...dark.problems, ...phone.problems], []);
});

// The name prompt fits a phone screen and shows the page's own validation message.
test('the name prompt on a phone', async (t) => {
  const page = await openPage(env.browser, { width: 360, height: 740 });
  t.after(() => page.context().close());
  await page.goto(env.server.pageUrl);
  await page.getByTestId('name-input').fill('no spaces please');
  await page.getByTestId('join').click();
  await page.locator('[data-testid="login-error"]', { hasText: /1–32 letters/ }).waitFor();
  await shot(page, 'phone-login.png');
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 360), 'no sideways scroll');
});
