// edit.test.mjs: editing and deleting your own messages, as people do it: ↑ in an empty box and
// Enter, Escape to cancel; the message's menu and a confirmation for Delete; each seen by someone
// else in another browser and after a reload; an edit made while offline sent once when the
// connection is back. Screenshots: edit-*.png, light and dark, wide and at 360 px.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  messageItem, openPage, register, registeredPages, send, shot, startAgain, useServerAndBrowser,
  waitForStatus,
} from './harness.mjs';

const env = useServerAndBrowser({ args: ['--send-rate', '10000', '--send-burst', '10000'] });

/** `page`'s message from `from` with text `text`, once delivered. */
async function delivered(page, from, text) {
  const item = messageItem(page, from, text).and(page.locator('[data-state="delivered"]'));
  await item.waitFor();
  return item;
}

// ↑ in an empty box puts your last message in it; Escape gives the box back; Enter saves, and the
// other person sees the new text marked "(edited)", after a reload too.
test('↑ edits your last message, Enter saves it, and everyone sees it', async (t) => {
  const [amy, ben] = await registeredPages(t, env, ['amy', 'ben']);
  await send(amy, 'see you at 4');
  await delivered(ben, 'amy', 'see you at 4');
  const box = amy.getByTestId('message-input');

  await box.press('ArrowUp');
  await amy.getByTestId('edit-note').waitFor();
  assert.equal(await box.inputValue(), 'see you at 4');
  assert.equal(await amy.getByTestId('send').textContent(), 'Save');
  await shot(amy, 'edit-editing.png');
  await box.press('Escape');
  assert.equal(await box.inputValue(), '');
  assert.equal(await amy.getByTestId('edit-note').isHidden(), true);

  await box.press('ArrowUp');
  await box.fill('see you at 5');
  await box.press('Enter');
  assert.equal(await box.inputValue(), '', 'the box is empty again after saving');
  for (const page of [amy, ben]) {
    const item = await delivered(page, 'amy', 'see you at 5 (edited)');
    assert.match(await item.getByTestId('message-edited').getAttribute('title'), /^Edited /);
  }
  assert.equal(await messageItem(ben, 'amy', 'see you at 4').count(), 0);
  await shot(ben, 'edit-edited.png');

  await ben.reload();
  await waitForStatus(ben, 'connected');
  await delivered(ben, 'amy', 'see you at 5 (edited)');
  assert.deepEqual([...amy.problems, ...ben.problems], []);
});

// Delete asks first; Cancel keeps the message; Delete leaves a "message deleted" stub in its
// place for everyone, after a reload too.
test('the menu deletes a message after a confirmation', async (t) => {
  const [cat, dan] = await registeredPages(t, env, ['cat', 'dan']);
  await send(cat, 'oops, wrong room');
  await send(cat, 'the homework is page 12');
  const oops = await delivered(cat, 'cat', 'oops, wrong room');
  await delivered(dan, 'cat', 'the homework is page 12');

  await oops.hover();
  await oops.getByTestId('message-actions').click();
  await cat.getByTestId('message-menu').waitFor();
  await shot(cat, 'edit-menu.png');
  await cat.getByTestId('message-delete').click();
  const dialog = cat.getByTestId('delete-dialog');
  await dialog.waitFor();
  assert.equal(await cat.getByTestId('delete-text').textContent(), 'oops, wrong room');
  await shot(cat, 'edit-delete-dialog.png');
  await cat.getByTestId('delete-cancel').click();
  assert.equal(await dialog.isHidden(), true);
  await delivered(dan, 'cat', 'oops, wrong room');

  await oops.hover();
  await oops.getByTestId('message-actions').click();
  await cat.getByTestId('message-delete').click();
  await cat.getByTestId('delete-confirm').click();
  for (const page of [cat, dan]) {
    await page.locator('[data-testid="message"][data-deleted="true"][data-from="cat"]')
      .filter({ hasText: 'message deleted' }).waitFor();
    assert.equal(await messageItem(page, 'cat', 'oops, wrong room').count(), 0);
    await delivered(page, 'cat', 'the homework is page 12');
  }
  await shot(dan, 'edit-deleted.png');
  await dan.reload();
  await waitForStatus(dan, 'connected');
  await dan.locator('[data-testid="message"][data-deleted="true"]').filter({ hasText: 'message deleted' }).waitFor();
  assert.equal(await messageItem(dan, 'cat', 'oops, wrong room').count(), 0);
  assert.deepEqual([...cat.problems, ...dan.problems], []);
});

// Someone else's message has no menu for a member (only owners and moderators see its Delete);
// yours has one only while it is delivered.
test('only your own delivered messages have the menu', async (t) => {
  const [eve, fay] = await registeredPages(t, env, ['eve', 'fay']);
  await send(eve, 'mine to change');
  const theirs = await delivered(fay, 'eve', 'mine to change');
  await theirs.hover();
  assert.equal(await theirs.getByTestId('message-actions').isVisible(), false);
  const mine = await delivered(eve, 'eve', 'mine to change');
  await mine.hover();
  assert.equal(await mine.getByTestId('message-actions').isVisible(), true);
  // ↑ in fay's box with nothing of hers to edit does nothing.
  await fay.getByTestId('message-input').press('ArrowUp');
  assert.equal(await fay.getByTestId('edit-note').isHidden(), true);
  assert.deepEqual([...eve.problems, ...fay.problems], []);
});

// An edit saved while the server is away waits in the outbox and is sent once it is back.
test('an edit made offline is sent once the connection is back', { timeout: 90_000 }, async (t) => {
  const [gus, hal] = await registeredPages(t, env, ['gus', 'hal']);
  await send(gus, 'draft one');
  await delivered(hal, 'gus', 'draft one');
  await env.server.stop('SIGKILL', { keepData: true });
  await waitForStatus(gus, 'reconnecting');
  const box = gus.getByTestId('message-input');
  await box.press('ArrowUp');
  await box.fill('draft two');
  await box.press('Enter');
  const saving = messageItem(gus, 'gus', 'draft two');
  await saving.waitFor();
  assert.equal(await saving.getByTestId('message-state').textContent(), 'saving…');
  env.server = await startAgain(env.server);
  await waitForStatus(gus, 'connected', 30_000);
  await waitForStatus(hal, 'connected', 30_000);
  await delivered(hal, 'gus', 'draft two (edited)');
  await delivered(gus, 'gus', 'draft two (edited)');
  await gus.waitForFunction(() => (JSON.parse(localStorage.getItem('threadchat.gus.pending') ?? '[]') ?? []).length === 0);
  assert.deepEqual([...gus.problems, ...hal.problems], []);
});

// How it looks: dark and at phone width, an edited and a deleted message among others.
test('edited and deleted messages look right, dark and on a phone', async (t) => {
  const ivy = await openPage(env.browser, { colorScheme: 'dark' });
  const phone = await openPage(env.browser, { width: 360, height: 740 });
  t.after(() => Promise.all([ivy.context().close(), phone.context().close()]));
  await register(ivy, env.server.pageUrl, 'ivy');
  await register(phone, env.server.pageUrl, 'jon');
  for (const text of ['first thought', 'second thought', 'third thought']) await send(ivy, text);
  await delivered(ivy, 'ivy', 'third thought');
  const box = ivy.getByTestId('message-input');
  await box.press('ArrowUp');
  await box.fill('third thought, better');
  await box.press('Enter');
  const second = await delivered(ivy, 'ivy', 'second thought');
  await second.hover();
  await second.getByTestId('message-actions').click();
  await ivy.getByTestId('message-delete').click();
  await ivy.getByTestId('delete-confirm').click();
  await delivered(phone, 'ivy', 'third thought, better (edited)');
  await phone.locator('[data-deleted="true"]').waitFor();
  await delivered(ivy, 'ivy', 'third thought, better (edited)');
  await shot(ivy, 'edit-dark.png');
  await shot(phone, 'edit-phone.png');
  await send(phone, 'a reply from the phone');
  const mine = await delivered(phone, 'jon', 'a reply from the phone');
  assert.equal(await mine.getByTestId('message-actions').count(), 1, 'the phone has the menu too');
  assert.deepEqual([...ivy.problems, ...phone.problems], []);
});
