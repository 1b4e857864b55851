// account-menu.test.mjs: the header is one row, on a phone too (issue 16, item 14: it took three
// rows, about 145 px of a 740 px phone, with Sign out one tap away). The account's actions live
// in a menu behind one button (aria-haspopup, aria-expanded; Escape, a click elsewhere and Tab
// close it), and Sign out asks first. Screenshots: menu-phone-light.png, menu-phone-dark.png
// (the menu open), signout-phone-light.png, signout-phone-dark.png ("Sign out?"),
// menu-wide.png.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  askToSignOut, openAccountMenu, openPage, register, shot, useServerAndBrowser, waitForSignInForm,
  waitForStatus,
} from './harness.mjs';

// One server and one browser for this file, stopped when it ends.
const env = useServerAndBrowser();

const focusedId = (page) => page.evaluate(() => document.activeElement?.id);

/** The header's height, and whether everything in it stands on one row (the same middle line). */
function headerRow(page) {
  return page.locator('.topbar').evaluate((header) => {
    const shown = [...header.children].filter((node) => node.getClientRects().length > 0).map((node) => node.getBoundingClientRect());
    const middles = shown.map((box) => box.top + box.height / 2);
    return { height: header.getBoundingClientRect().height, spread: Math.max(...middles) - Math.min(...middles) };
  });
}

// At 375x740, light and dark: one header row of at most 64 px; the menu opens, moves and closes by keyboard and pointer.
test('the phone header is one row; the account menu', async (t) => {
  for (const colorScheme of ['light', 'dark']) {
    const page = await openPage(env.browser, { width: 375, height: 740, colorScheme });
    t.after(() => page.context().close());
    await register(page, env.server.pageUrl, `menu-${colorScheme}`);
    const row = await headerRow(page);
    assert.ok(row.height <= 64, `the header is ${row.height} px tall`);
    assert.ok(row.spread <= 4, `the header's parts stand on one row (middles ${row.spread} px apart)`);

    const button = page.getByTestId('account-button');
    assert.equal(await button.getAttribute('aria-haspopup'), 'menu');
    assert.equal(await button.getAttribute('aria-expanded'), 'false');
    assert.equal(await page.getByTestId('sign-out').isVisible(), false, 'Sign out is not one tap away');
    await button.click();
    await page.getByTestId('account-menu').waitFor();
    assert.equal(await button.getAttribute('aria-expanded'), 'true');
    assert.equal(await focusedId(page), 'open-profile', 'the keyboard is on the first item');
    await page.keyboard.press('ArrowDown');
    assert.equal(await focusedId(page), 'open-password');
    await page.keyboard.press('ArrowDown');
    assert.equal(await focusedId(page), 'sign-out');
    await page.keyboard.press('ArrowDown');
    assert.equal(await focusedId(page), 'open-profile', 'it wraps around');
    await shot(page, `menu-phone-${colorScheme}.png`);
    await page.keyboard.press('Escape');
    await page.getByTestId('account-menu').waitFor({ state: 'hidden' });
    assert.equal(await button.getAttribute('aria-expanded'), 'false');
    assert.equal(await focusedId(page), 'account-button', 'Escape gives the keyboard back to the button');

    await openAccountMenu(page);
    await page.getByTestId('messages').click(); // anywhere else
    await page.getByTestId('account-menu').waitFor({ state: 'hidden' });
    await button.focus();
    await page.keyboard.press('ArrowUp'); // opens on the last item
    assert.equal(await focusedId(page), 'sign-out');
    await page.keyboard.press('Tab');
    await page.getByTestId('account-menu').waitFor({ state: 'hidden' });
    assert.deepEqual(page.problems, []);
  }
});

// Sign out opens "Sign out?": Cancel, Escape and the backdrop keep you signed in; only its Sign out signs out.
test('signing out asks first', async (t) => {
  for (const colorScheme of ['light', 'dark']) {
    const page = await openPage(env.browser, { width: 375, height: 740, colorScheme });
    t.after(() => page.context().close());
    await register(page, env.server.pageUrl, `leaving-${colorScheme}`);
    const text = await askToSignOut(page);
    assert.match(text, /password to come back/);
    assert.equal(await focusedId(page), 'signout-cancel', 'a stray Enter says no');
    await shot(page, `signout-phone-${colorScheme}.png`);
    await page.getByTestId('signout-cancel').click();
    await page.getByTestId('signout-dialog').waitFor({ state: 'hidden' });

    await askToSignOut(page);
    await page.keyboard.press('Escape');
    await page.getByTestId('signout-dialog').waitFor({ state: 'hidden' });
    await askToSignOut(page);
    await page.mouse.click(5, 5); // the backdrop, outside the dialog
    await page.getByTestId('signout-dialog').waitFor({ state: 'hidden' });
    assert.equal(await page.getByTestId('status').getAttribute('data-state'), 'connected', 'still signed in');
    assert.equal(await page.getByTestId('account-bar').isVisible(), true);

    await askToSignOut(page);
    await page.getByTestId('signout-confirm').click();
    await waitForSignInForm(page);
    await waitForStatus(page, 'offline');
    assert.deepEqual(page.problems, []);
  }
});

// At 1280x800 the same menu, with your name on its button, in a header of one row.
test('the wide header and its menu', async (t) => {
  const page = await openPage(env.browser);
  t.after(() => page.context().close());
  await register(page, env.server.pageUrl, 'a-name-of-thirty-two-characters_');
  const row = await headerRow(page);
  assert.ok(row.height <= 64 && row.spread <= 4, `one row: ${JSON.stringify(row)}`);
  assert.equal(await page.getByTestId('me-name').isVisible(), true);
  await openAccountMenu(page);
  const menu = await page.getByTestId('account-menu').boundingBox();
  assert.ok(menu.x >= 0 && menu.x + menu.width <= 1280, `the menu fits: ${JSON.stringify(menu)}`);
  await shot(page, 'menu-wide.png');
  assert.deepEqual(page.problems, []);
});

// At 360 px, the longest status ("Reconnecting…") still fits whole beside the account button: the one row costs nothing.
test('the narrowest phone header keeps the status whole', async (t) => {
  const page = await openPage(env.browser, { width: 360, height: 740 });
  t.after(() => page.context().close());
  await register(page, env.server.pageUrl, 'narrow');
  // The words and state the page shows while reconnecting (app.js), without stopping the server.
  await page.getByTestId('status').evaluate((status) => {
    status.dataset.state = 'reconnecting';
    status.textContent = 'Reconnecting…';
  });
  const fits = await page.getByTestId('status').evaluate((status) => status.scrollWidth <= status.clientWidth);
  assert.ok(fits, '"Reconnecting…" is not cut short');
  const button = await page.getByTestId('account-button').boundingBox();
  assert.ok(button.x + button.width <= 360, 'the account button fits');
  assert.ok((await headerRow(page)).height <= 64);
});
