// rooms.test.mjs: rooms through the page: creating one, joining one from the list of all rooms,
// switching between rooms (with the mouse and with Alt+Arrow), unread counts that follow the
// messages, and leaving a room. Each person is a registered account in a browser context of
// their own. One server (with accounts) and one browser for the whole file.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  createRoom, joinRoom, messageItem, openConversation, registeredPages, send, sidebarEntry, unread,
  useServerAndBrowser, waitForUnread,
} from './harness.mjs';

// One server and one browser for this file, stopped when it ends.
const env = useServerAndBrowser();

const roomNames = (page) => page.locator('#room-list button.conv').evaluateAll((bs) => bs.map((b) => b.dataset.name));
const title = (page) => page.getByTestId('conversation-title').textContent();

// A message in a room you are not viewing counts on its badge; opening the room clears it; each room shows its own messages only.
test('create a room, join it, switch rooms; unread counts follow', async (t) => {
  const [ada, ben] = await registeredPages(t, env, ['ada', 'ben']);
  await createRoom(ada, 'Math');
  assert.equal(await title(ada), '# Math');
  assert.deepEqual(await roomNames(ada), ['general', 'Math']);
  assert.equal(await sidebarEntry(ada, 'r/math').getAttribute('aria-current'), 'true');

  // ben finds it in the list of every room, with its counts, and joins it; ada sees him arrive.
  await ben.getByTestId('room-panel-toggle').click();
  const listed = ben.locator('[data-testid="directory-room"][data-name="Math"]');
  await listed.filter({ hasText: '1 member · 1 online' }).waitFor();
  await joinRoom(ben, 'Math');
  assert.equal(await ben.getByTestId('room-panel').isVisible(), false, 'the panel closes once joined');
  await ada.locator('[data-testid="notice"]', { hasText: 'ben joined' }).waitFor();

  // ada reads #general; ben writes in #Math: the badge counts, and #general stays clean.
  await openConversation(ada, 'r/general');
  await send(ben, 'is x² even when x is?');
  await waitForUnread(ada, 'r/math', 1);
  await send(ben, 'asking for a friend');
  await waitForUnread(ada, 'r/math', 2);
  assert.equal(await ada.getByTestId('unread-total').textContent(), '2');
  assert.equal(await ada.title(), '(2) threadchat');
  assert.equal(await messageItem(ada, 'ben', 'asking for a friend').count(), 0, 'not shown in #general');
  await openConversation(ben, 'r/general');
  await send(ben, 'hello everyone');
  await messageItem(ada, 'ben', 'hello everyone').waitFor();
  assert.equal(await unread(ada, 'r/general'), 0, 'the open room never counts');

  await openConversation(ada, 'r/math');
  await waitForUnread(ada, 'r/math', 0);
  await messageItem(ada, 'ben', 'is x² even when x is?').waitFor();
  await messageItem(ada, 'ben', 'asking for a friend').waitFor();
  assert.equal(await messageItem(ada, 'ben', 'hello everyone').count(), 0, 'not shown in #Math');
  assert.equal(await ada.title(), 'threadchat');
  assert.deepEqual([...ada.problems, ...ben.problems], []);
});

// Alt+ArrowUp / Alt+ArrowDown move between conversations in the sidebar's order, wherever the focus is.
test('Alt+Arrow keys switch conversations', async (t) => {
  const [cy, dee] = await registeredPages(t, env, ['cy', 'dee']);
  await createRoom(cy, 'art');
  const order = await cy.locator('#sidebar button.conv').evaluateAll((bs) => bs.map((b) => b.dataset.key));
  // Rooms by name, then you, then the others (the earlier tests' people share #general too).
  assert.deepEqual(order.slice(0, 3), ['r/art', 'r/general', 'd/cy']);
  assert.ok(order.includes('d/dee'));
  assert.equal(await sidebarEntry(cy, 'r/art').getAttribute('aria-keyshortcuts'), 'Alt+ArrowUp Alt+ArrowDown');

  await cy.getByTestId('message-input').focus();
  await cy.keyboard.press('Alt+ArrowDown');
  await cy.locator('[data-testid="conversation-title"][data-key="r/general"]').waitFor();
  await cy.keyboard.press('Alt+ArrowDown');
  await cy.locator('[data-testid="conversation-title"][data-key="d/cy"]').waitFor();
  assert.equal(await title(cy), '@ cy');
  await cy.keyboard.press('Alt+ArrowUp');
  await cy.keyboard.press('Alt+ArrowUp');
  await cy.locator('[data-testid="conversation-title"][data-key="r/art"]').waitFor();
  await cy.keyboard.press('Alt+ArrowUp'); // from the first, round to the last
  await cy.locator(`[data-testid="conversation-title"][data-key="${order.at(-1)}"]`).waitFor();
  assert.equal(await cy.evaluate(() => document.activeElement?.id), 'text', 'the typing goes on where it was');

  // Choosing one puts the keyboard in the message box (composer.test.mjs); from inside the
  // sidebar (Tab to it), the keyboard moves along with the open conversation.
  await sidebarEntry(cy, 'r/general').click();
  await cy.locator('[data-testid="conversation-title"][data-key="r/general"]').waitFor();
  assert.equal(await cy.evaluate(() => document.activeElement?.id), 'text');
  await sidebarEntry(cy, 'r/general').focus();
  await cy.keyboard.press('Alt+ArrowUp');
  await cy.locator('[data-testid="conversation-title"][data-key="r/art"]').waitFor();
  await cy.waitForFunction(() => document.activeElement?.dataset.key === 'r/art');
  assert.deepEqual(cy.problems, []);
});

// "Leave room" ends the membership: the room leaves the sidebar, #general opens, the others see a notice.
test('leaving a room', async (t) => {
  const [eve, fox] = await registeredPages(t, env, ['eve', 'fox']);
  await createRoom(eve, 'chess');
  await joinRoom(fox, 'chess');
  await eve.locator('[data-testid="notice"]', { hasText: 'fox joined' }).waitFor();
  await fox.getByTestId('leave-room').click();
  await fox.locator('[data-testid="conversation-title"][data-key="r/general"]').waitFor();
  await sidebarEntry(fox, 'r/chess').waitFor({ state: 'detached' });
  await eve.locator('[data-testid="notice"]', { hasText: 'fox left' }).waitFor();
  // The room still exists for whoever wants it back.
  await joinRoom(fox, 'chess');
  assert.deepEqual([...eve.problems, ...fox.problems], []);
});

// The panel's one field filters the list and says what it will do: Join an existing name (ignoring case), Create a new one; bad names are caught in the page.
test('the room panel: filter, join or create, and the rules for names', async (t) => {
  const [gus] = await registeredPages(t, env, ['gus', 'hal']);
  await createRoom(gus, 'physics');
  await openConversation(gus, 'r/general');
  await gus.getByTestId('room-panel-toggle').click();
  await gus.getByTestId('room-name').fill('PHYS');
  await gus.locator('[data-testid="directory-room"]').first().waitFor();
  assert.deepEqual(await gus.locator('[data-testid="directory-room"]').evaluateAll((li) => li.map((l) => l.dataset.name)), ['physics']);
  assert.equal(await gus.getByTestId('room-submit').textContent(), 'Create');
  await gus.getByTestId('room-name').fill('PHYSICS');
  assert.equal(await gus.getByTestId('room-submit').textContent(), 'Join');
  await gus.getByTestId('room-name').press('Enter');
  await gus.locator('[data-testid="conversation-title"][data-key="r/physics"]').waitFor();

  await gus.getByTestId('room-panel-toggle').click();
  await gus.getByTestId('room-name').fill('no spaces');
  await gus.getByTestId('room-name').press('Enter');
  await gus.locator('[data-testid="room-error"]', { hasText: /1–32 letters/ }).waitFor();
  assert.deepEqual(gus.problems, []);
});
