// layout.test.mjs: how the page looks: light and dark at 1280x800, and a 360x740 phone. It pins
// that dark mode really is dark, that the sidebar (rooms, people) stands beside the conversation
// on wide screens and is a drawer on phones, that the header's account menu fits, and that
// nothing overflows sideways at 360 px; it saves the screenshots into target/browser-artifacts/:
// the chat (light.png, dark.png, phone.png, phone-drawer.png), the room panel (rooms-light.png,
// rooms-dark.png, phone-rooms.png), the header and password dialog (header-*.png,
// password-*.png) and the sign-in form (signin-*.png, create-*.png).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  createRoom, joinRoom, messageItem, openAccountMenu, openConversation, openPage, openPasswordDialog,
  openSignIn, register, send, shot, useServerAndBrowser, waitForPeople, waitForUnread,
} from './harness.mjs';

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
  ['sam', 'it does, and anything still "sending…" goes out again once it is back'],
];

const noSidewaysScroll = (page) => page.evaluate(() => document.documentElement.scrollWidth <= 360);

// The chat with its sidebar: light, dark, and a 360 px phone with the drawer closed and open.
test('light, dark and phone layouts', async (t) => {
  const light = await openPage(env.browser);
  const dark = await openPage(env.browser, { colorScheme: 'dark' });
  const phone = await openPage(env.browser, { width: 360, height: 740 });
  const pages = { maya: light, sam: dark, lee: phone };
  t.after(() => Promise.all(Object.values(pages).map((page) => page.context().close())));
  const zoe = await openPage(env.browser); // someone who was here and left: offline
  await register(zoe, env.server.pageUrl, 'zoe');
  await zoe.context().close();
  for (const [name, page] of Object.entries(pages)) await register(page, env.server.pageUrl, name);

  for (const [from, text] of CONVERSATION) {
    await send(pages[from], text);
    for (const page of Object.values(pages)) await messageItem(page, from, text).waitFor();
  }
  await createRoom(light, 'design');
  await openConversation(light, 'r/general');
  await joinRoom(dark, 'design');
  await send(dark, 'the new mockups are up, have a look');
  await openConversation(dark, 'd/maya');
  await send(dark, 'got a minute after lunch?');
  await openConversation(dark, 'd/lee');
  await send(dark, 'welcome aboard, lee!');
  await openConversation(dark, 'r/general');
  await waitForUnread(light, 'r/design', 1);
  await waitForUnread(light, 'd/sam', 1);
  // sam wrote to maya: under "Direct messages", above the People list.
  await waitForPeople(light, [['sam', true], ['maya', true], ['lee', true], ['zoe', false]]);
  await phone.getByTestId('unread-total').filter({ hasText: '1' }).waitFor();
  // Typed at a person's pace, so that a notice goes out even if the last was under 2 s ago.
  await light.getByTestId('message-input').pressSequentially('sounds good', { delay: 250 });
  await dark.locator('[data-testid="typing"]', { hasText: 'maya is typing…' }).waitFor();

  assert.ok((await backgroundLuminance(light, 'body')) > 0.8, 'light mode has a light background');
  assert.ok((await backgroundLuminance(dark, 'body')) < 0.2, 'dark mode has a dark background');
  for (const page of [light, dark]) {
    assert.equal(await page.getByTestId('sidebar').isVisible(), true, 'sidebar on wide screens');
    assert.equal(await page.getByTestId('sidebar-toggle').isVisible(), false);
  }
  await shot(light, 'light.png');
  await shot(dark, 'dark.png');

  // The phone: the conversation fills the screen; the sidebar waits behind the header's button.
  assert.equal(await phone.getByTestId('sidebar').isVisible(), false, 'a closed drawer on phones');
  assert.ok(await noSidewaysScroll(phone), 'no sideways scroll');
  await assertInside(phone, '.topbar', 360);
  await shot(phone, 'phone.png');
  await phone.getByTestId('sidebar-toggle').click();
  await phone.getByTestId('sidebar').waitFor({ state: 'visible' });
  await phone.locator('#sidebar.open').evaluate((nav) => Promise.all(nav.getAnimations().map((a) => a.finished)));
  assert.equal(await phone.getByTestId('sidebar-toggle').getAttribute('aria-expanded'), 'true');
  assert.equal(await phone.evaluate(() => document.activeElement?.dataset.key), 'r/general', 'focus moves into the drawer');
  assert.ok(await noSidewaysScroll(phone));
  await shot(phone, 'phone-drawer.png');
  await phone.keyboard.press('Escape');
  await phone.getByTestId('sidebar').waitFor({ state: 'hidden' });
  assert.equal(await phone.evaluate(() => document.activeElement?.dataset.testid), 'sidebar-toggle', 'focus comes back');
  await openConversation(phone, 'd/sam'); // through the drawer, which closes behind it
  await messageItem(phone, 'sam', 'welcome aboard, lee!').waitFor();
  await phone.getByTestId('sidebar').waitFor({ state: 'hidden' });
  assert.deepEqual([...light.problems, ...dark.problems, ...phone.problems], []);
});

// The panel that creates and joins rooms: every room with its counts, in light, dark and on a phone.
test('the room panel', async (t) => {
  const light = await openPage(env.browser);
  const dark = await openPage(env.browser, { colorScheme: 'dark' });
  const phone = await openPage(env.browser, { width: 360, height: 740 });
  t.after(() => Promise.all([light, dark, phone].map((page) => page.context().close())));
  await register(light, env.server.pageUrl, 'nora');
  await register(dark, env.server.pageUrl, 'omar');
  await register(phone, env.server.pageUrl, 'pia');
  for (const room of ['book-club', 'release-planning', 'a-room-name-of-32-characters_xyz']) await createRoom(light, room);
  for (const page of [light, dark, phone]) {
    await openConversation(page, 'r/general');
    if (page === phone) await phone.getByTestId('sidebar-toggle').click();
    await page.getByTestId('room-panel-toggle').click();
    await page.locator('[data-testid="directory-room"][data-name="release-planning"]').waitFor();
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'room-name', 'the field has focus');
  }
  assert.match(await light.locator('[data-testid="directory-room"][data-name="design"]').textContent(), /2 members · \d+ online/);
  await dark.getByTestId('room-name').fill('book');
  await dark.locator('[data-testid="directory-room"]').first().waitFor();
  assert.equal(await dark.locator('[data-testid="directory-room"]').count(), 1, 'filtered by the field');
  await phone.getByTestId('room-name').fill('bad name');
  await phone.getByTestId('room-name').press('Enter');
  await phone.getByTestId('room-error').waitFor();
  assert.ok(await noSidewaysScroll(phone));
  await assertInside(phone, '#room-panel .row', 360);
  await shot(light, 'rooms-light.png');
  await shot(dark, 'rooms-dark.png');
  await shot(phone, 'phone-rooms.png');
  assert.deepEqual([...light.problems, ...dark.problems, ...phone.problems], []);
});

/** Every visible child of `selector` lies within [0, width] horizontally: nothing cut off. */
async function assertInside(page, selector, width) {
  const boxes = await page.locator(`${selector} > :not([hidden])`).evaluateAll((nodes) =>
    nodes.map((node) => {
      const { left, right } = node.getBoundingClientRect();
      return { what: node.id || node.className, left, right };
    }));
  for (const box of boxes) assert.ok(box.left >= 0 && box.right <= width, `${box.what} fits: ${JSON.stringify(box)}`);
}

// The header's account menu shows who is signed in, with Change password and Sign out; the dialog looks right in light and dark.
test('the header account menu and the password dialog', async (t) => {
  const light = await openPage(env.browser);
  const dark = await openPage(env.browser, { colorScheme: 'dark' });
  const phone = await openPage(env.browser, { width: 360, height: 740 });
  t.after(() => Promise.all([light, dark, phone].map((page) => page.context().close())));
  // The longest name there can be, to see that the header copes.
  const names = ['hana', 'ivo', 'a-name-of-thirty-two-characters_'];
  for (const [i, page] of [light, dark, phone].entries()) await register(page, env.server.pageUrl, names[i]);

  assert.equal(await light.getByTestId('me-name').isVisible(), true, 'the name, on a wide screen');
  assert.equal(await phone.getByTestId('me-name').textContent(), names[2], 'read out on a phone');
  await assertInside(phone, '[data-testid="account-bar"]', 360);
  await assertInside(light, '[data-testid="account-bar"]', 1280);
  await shot(light, 'header-light.png');
  await shot(dark, 'header-dark.png');
  await shot(phone, 'header-phone.png');
  for (const [page, width] of [[light, 1280], [dark, 1280], [phone, 360]]) {
    await openAccountMenu(page);
    for (const id of ['open-password', 'sign-out']) assert.equal(await page.getByTestId(id).isVisible(), true, id);
    await assertInside(page, '[data-testid="account-menu"]', width);
    await page.keyboard.press('Escape');
    await page.getByTestId('account-menu').waitFor({ state: 'hidden' });
  }

  for (const [page, file] of [[light, 'password-light.png'], [dark, 'password-dark.png'], [phone, 'password-phone.png']]) {
    await openPasswordDialog(page);
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'password-old');
    await page.getByTestId('password-new').fill('short');
    await page.getByTestId('password-submit').click(); // the page's own checks: no request
    await page.getByTestId('password-new-error').waitFor();
    await shot(page, file);
    await page.keyboard.press('Escape');
    await page.getByTestId('password-dialog').waitFor({ state: 'hidden' });
  }
  assert.deepEqual([...light.problems, ...dark.problems, ...phone.problems], []);
});

// The sign-in form, in both modes, in light and dark and on a 360 px phone, with the page's own error messages.
test('the sign-in form: light, dark, phone, and create mode', async (t) => {
  const light = await openPage(env.browser);
  const dark = await openPage(env.browser, { colorScheme: 'dark' });
  const phone = await openPage(env.browser, { width: 360, height: 740 });
  t.after(() => Promise.all([light, dark, phone].map((page) => page.context().close())));
  for (const page of [light, dark, phone]) await openSignIn(page, env.server.pageUrl);

  assert.ok((await backgroundLuminance(dark, 'body')) < 0.2, 'dark mode has a dark background');
  assert.equal(await light.evaluate(() => document.activeElement?.id), 'account-name', 'the name field has focus');
  await shot(light, 'signin-light.png');
  await shot(dark, 'signin-dark.png');
  await shot(phone, 'signin-phone.png');

  await phone.getByTestId('account-name').fill('no spaces please');
  await phone.getByTestId('account-submit').click();
  await phone.locator('[data-testid="account-name-error"]', { hasText: /1–32 letters/ }).waitFor();
  assert.ok(await phone.evaluate(() => document.documentElement.scrollWidth <= 360), 'no sideways scroll');
  await shot(phone, 'signin-phone-error.png');

  for (const page of [light, dark, phone]) await page.getByTestId('mode-create').click();
  await light.getByTestId('account-repeat').waitFor();
  await shot(light, 'create-light.png');
  await shot(dark, 'create-dark.png');
  await phone.getByTestId('account-name').fill('newcomer');
  await phone.getByTestId('account-password').fill('seven77');
  await phone.getByTestId('account-repeat').fill('something else');
  await phone.getByTestId('account-password').press('Enter');
  await phone.getByTestId('account-password-error').waitFor();
  assert.ok(await phone.evaluate(() => document.documentElement.scrollWidth <= 360), 'no sideways scroll');
  await shot(phone, 'create-phone-errors.png');
  assert.deepEqual([...light.problems, ...dark.problems, ...phone.problems], []);
});
