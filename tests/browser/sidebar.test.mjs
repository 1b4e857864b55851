// sidebar.test.mjs: a sidebar for a class: private conversations in a section of their own, the
// most recently active first; a filter over every list that Ctrl+K jumps to and Enter opens;
// "Unread below" when an unread conversation is scrolled out of sight; the open room's member
// list; and a run of joins told in one line ("amir and 5 others joined"). Screenshots:
// sidebar-light.png, sidebar-roster-dark.png, sidebar-filter-phone.png.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  PASSWORD, WAIT_MS, createRoom, joinRoom, messageItem, openConversation, openPage, register,
  registeredPages, send, shot, sidebarEntry, useServerAndBrowser, waitForUnread,
} from './harness.mjs';
import { openSocket } from './wsclient.mjs';

const env = useServerAndBrowser();

/** The names a sidebar list shows, top to bottom. */
const listed = (page, list) => page.locator(`#${list} button.conv`).evaluateAll((bs) => bs.map((b) => b.dataset.name));

/** Registers `name` through the API; resolves to a welcomed socket of theirs (wsclient.mjs). */
async function personOnSocket(name) {
  const response = await fetch(new URL('/api/register', env.server.pageUrl), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ name, password: PASSWORD }),
    signal: AbortSignal.timeout(WAIT_MS),
  });
  assert.equal(response.status, 201, `registering ${name}`);
  const socket = await openSocket(env.server.wsPort, (await response.json()).token);
  await socket.next((frame) => frame.type === 'welcome', WAIT_MS);
  return socket;
}

// Private conversations stand in their own section, the one with the newest message first; people without one stay under People.
test('private conversations in their own section, most recent first', async (t) => {
  const [kim, lou, max, ned] = await registeredPages(t, env, ['kim', 'lou', 'max', 'ned']);
  for (const [page, text] of [[max, 'hi kim, from max'], [lou, 'hi kim, from lou']]) {
    await openConversation(page, 'd/kim');
    await send(page, text);
  }
  await waitForUnread(kim, 'd/lou', 1);
  await kim.waitForFunction(() => document.querySelectorAll('#dm-list button.conv').length === 2);
  assert.deepEqual(await listed(kim, 'dm-list'), ['lou', 'max']);
  await send(max, 'and again');
  await kim.waitForFunction(() => document.querySelector('#dm-list button.conv')?.dataset.name === 'max');
  assert.deepEqual(await listed(kim, 'dm-list'), ['max', 'lou']);
  const people = await listed(kim, 'people-list');
  assert.ok(people.includes('ned') && people.includes('kim'), 'ned and you stay under People');
  assert.ok(!people.includes('max') && !people.includes('lou'), 'not twice');
  await shot(kim, 'sidebar-light.png');
  assert.deepEqual([kim, lou, max, ned].flatMap((page) => page.problems), []);
});

// Ctrl+K from the message box goes to the filter; typing narrows every list; Enter opens the first match; Escape clears.
test('a filter over every list, reached with Ctrl+K', async (t) => {
  const [ola] = await registeredPages(t, env, ['ola']);
  for (const room of ['maths', 'music', 'physics']) await createRoom(ola, room);
  await ola.getByTestId('message-input').focus();
  await ola.keyboard.press('Control+k');
  const filter = ola.getByTestId('side-filter');
  assert.equal(await filter.evaluate((node) => node === document.activeElement), true, 'Ctrl+K puts the keyboard in the filter');
  await filter.fill('MA');
  await ola.waitForFunction(() => [...document.querySelectorAll('#room-list button.conv')].map((b) => b.dataset.name).join() === 'maths');
  await filter.fill('zzz');
  await ola.getByTestId('side-filter-none').waitFor();
  await filter.fill('mus');
  await filter.press('Enter');
  await ola.locator('[data-testid="conversation-title"][data-key="r/music"]').waitFor();
  assert.equal(await filter.inputValue(), '', 'cleared once used');
  assert.deepEqual(await listed(ola, 'room-list'), ['general', 'maths', 'music', 'physics']);
  await filter.fill('phy');
  await filter.press('Escape');
  assert.equal(await filter.inputValue(), '');

  const phone = await openPage(env.browser, { width: 375, height: 740 });
  t.after(() => phone.context().close());
  await register(phone, env.server.pageUrl, 'pip');
  await phone.keyboard.press('Control+k');
  await phone.locator('#sidebar.open').waitFor();
  await phone.getByTestId('side-filter').fill('gen');
  // The drawer slides in: the picture once it is all there.
  await phone.waitForFunction(() => document.getElementById('sidebar').getBoundingClientRect().left >= 0);
  await shot(phone, 'sidebar-filter-phone.png');
  assert.deepEqual([...ola.problems, ...phone.problems], []);
});

// An unread conversation below the sidebar's visible part brings up "Unread below", which scrolls to it.
test('"Unread below" points at an unread conversation out of sight', async (t) => {
  const quin = await openPage(env.browser, { width: 1280, height: 420 });
  t.after(() => quin.context().close());
  await register(quin, env.server.pageUrl, 'quin');
  const rooms = ['r1', 'r2', 'r3', 'r4', 'r5', 'r6', 'zz-last'];
  for (const room of rooms) await createRoom(quin, room);
  const [rex] = await registeredPages(t, env, ['rex']);
  await joinRoom(rex, 'zz-last');
  await openConversation(quin, 'r/general');
  await quin.locator('#sidebar').evaluate((node) => { node.scrollTop = 0; });
  await send(rex, 'something in the last room');
  await waitForUnread(quin, 'r/zz-last', 1);
  const pill = quin.getByTestId('more-unread');
  await pill.waitFor();
  await pill.click();
  await pill.waitFor({ state: 'hidden' });
  assert.ok(await sidebarEntry(quin, 'r/zz-last').evaluate((node) => {
    const box = node.getBoundingClientRect();
    const side = node.closest('#sidebar').getBoundingClientRect();
    return box.top >= side.top && box.bottom <= side.bottom;
  }), 'the unread room in sight');
  assert.deepEqual([...quin.problems, ...rex.problems], []);
});

// The open room's "N members" lists who is in it, online first; choosing one opens a private conversation.
test('the open room lists its members', async (t) => {
  const sal = await openPage(env.browser, { colorScheme: 'dark' });
  t.after(() => sal.context().close());
  await register(sal, env.server.pageUrl, 'sal');
  await createRoom(sal, 'lab');
  const [tom, uma] = await registeredPages(t, env, ['tom', 'uma']);
  await joinRoom(tom, 'lab');
  await joinRoom(uma, 'lab');
  await uma.context().close(); // uma goes offline
  const toggle = sal.getByTestId('roster-toggle');
  await sal.locator('[data-testid="roster-toggle"]', { hasText: '3 members' }).waitFor();
  await toggle.click();
  await sal.waitForFunction(() => [...document.querySelectorAll('[data-testid="roster-member"]')]
    .map((b) => `${b.dataset.name}:${b.dataset.online}`).join() === 'sal:true,tom:true,uma:false', null, { timeout: WAIT_MS });
  await shot(sal, 'sidebar-roster-dark.png');
  await sal.locator('[data-testid="roster-member"][data-name="tom"]').click();
  await sal.locator('[data-testid="conversation-title"][data-key="d/tom"]').waitFor();
  assert.equal(await sal.getByTestId('roster').isVisible(), false, 'closed once used');
  assert.equal(await toggle.isVisible(), false, 'no member list for a private conversation');
  assert.deepEqual([...sal.problems, ...tom.problems], []);
});

// A run of people joining one after another is one line that names the first and counts the rest.
test('a run of joins is one line', async (t) => {
  const [vic] = await registeredPages(t, env, ['vic']);
  await createRoom(vic, 'club');
  await send(vic, 'welcome to the club');
  const names = ['ann1', 'bob1', 'cyd1', 'dot1', 'eda1', 'fox1'];
  const sockets = [];
  t.after(() => sockets.forEach((socket) => socket.close()));
  for (const name of names) {
    const socket = await personOnSocket(name);
    sockets.push(socket);
    socket.send({ type: 'join', room: 'club' });
    await socket.next((frame) => frame.type === 'joined' && frame.room === 'club' && frame.user === name, WAIT_MS);
  }
  const notice = vic.getByTestId('notice').filter({ hasText: 'ann1 and 5 others joined' });
  await notice.waitFor();
  assert.equal(await vic.getByTestId('notice').count(), 1, 'one line for six joins');
  assert.match(await notice.getAttribute('title'), /^ann1, bob1, cyd1, dot1, eda1, fox1$/);
  await messageItem(vic, 'vic', 'welcome to the club').waitFor();
  assert.deepEqual(vic.problems, []);
});
