// names.test.mjs: display names on the page. Set through the account menu's "Display name…", they
// show on your messages (with the account name beside them) and in others' sidebars; a name that
// looks like someone else's is refused in the dialog, which stays open. Screenshots:
// names-light.png, names-dark.png, names-refused.png.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  messageItem, openAccountMenu, openPage, register, send, shot, sidebarEntry, useServerAndBrowser,
} from './harness.mjs';

const env = useServerAndBrowser();

/** Sets `page`'s display name through the menu's dialog; resolves once it has closed. */
async function setDisplayName(page, name) {
  await openAccountMenu(page);
  await page.getByTestId('open-profile').click();
  await page.getByTestId('profile-name').fill(name);
  await page.getByTestId('profile-submit').click();
}

// José sets "José Núñez": Ana sees it on his messages, with @jose beside it, and in her sidebar; it stays after her reload.
test('a display name shows on messages and in the sidebar', async (t) => {
  const jose = await openPage(env.browser);
  const ana = await openPage(env.browser, { colorScheme: 'dark' });
  t.after(() => Promise.all([jose, ana].map((page) => page.context().close())));
  await register(jose, env.server.pageUrl, 'jose');
  await register(ana, env.server.pageUrl, 'ana');
  await setDisplayName(jose, 'Jose\u0301 Nu\u0301n\u0303ez'); // typed with combining accents
  await jose.getByTestId('profile-dialog').waitFor({ state: 'hidden' });
  await send(jose, 'hola a todos');
  const item = messageItem(ana, 'jose', 'hola a todos');
  await item.waitFor();
  await ana.waitForFunction(() => [...document.querySelectorAll('[data-testid="message-from"]')]
    .some((n) => n.textContent === 'José Núñez @jose'));
  assert.equal(await item.getByTestId('message-from').textContent(), 'José Núñez @jose');
  await ana.locator('#sidebar button.conv[data-key="d/jose"] .name', { hasText: 'José Núñez' }).waitFor();
  await shot(ana, 'names-dark.png');
  await shot(jose, 'names-light.png');
  await ana.reload();
  await ana.locator('#sidebar button.conv[data-key="d/jose"] .name', { hasText: 'José Núñez' }).waitFor();
  assert.equal(await messageItem(ana, 'jose', 'hola a todos').getByTestId('message-from').textContent(), 'José Núñez @jose');
  assert.deepEqual([...jose.problems, ...ana.problems], []);
});

// A display name that looks like another person's (a Cyrillic "е" in "Ms Rivera") is refused, and the dialog says why.
test('a look-alike display name is refused in the dialog', async (t) => {
  const teacher = await openPage(env.browser);
  const student = await openPage(env.browser);
  t.after(() => Promise.all([teacher, student].map((page) => page.context().close())));
  await register(teacher, env.server.pageUrl, 'rivera');
  await register(student, env.server.pageUrl, 'prankster');
  await setDisplayName(teacher, 'Ms Rivera');
  await teacher.getByTestId('profile-dialog').waitFor({ state: 'hidden' });
  await setDisplayName(student, 'Ms Riv\u0435ra');
  const error = student.getByTestId('profile-error');
  await error.filter({ hasText: /looks like someone else/ }).waitFor();
  assert.equal(await student.getByTestId('profile-dialog').isVisible(), true, 'stays open to try another');
  await shot(student, 'names-refused.png');
  assert.equal(await sidebarEntry(student, 'd/rivera').locator('.name').textContent(), 'Ms Rivera');
  assert.deepEqual([...teacher.problems, ...student.problems], []);
});
