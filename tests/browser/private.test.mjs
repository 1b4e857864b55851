// private.test.mjs: private conversations and presence through the page. Two people in two
// browser contexts write to each other from the People list; the list's dots and order follow
// presence (`presence` frames), newcomers to your rooms (`joined`) and private partners who share
// no room with you. One server (with accounts) and one browser for the whole file.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  createRoom, joinRoom, messageItem, openConversation, openPage, register, send, signIn,
  shot, sidebarEntry, unread, useServerAndBrowser, waitForPeople, waitForStatus, waitForUnread,
} from './harness.mjs';

// One server and one browser for this file, stopped when it ends.
const env = useServerAndBrowser();

async function person(t, name, options) {
  const page = await openPage(env.browser, options);
  t.after(() => page.context().close());
  await register(page, env.server.pageUrl, name);
  return page;
}

/** The People list, counting only `names` (earlier tests' people share #general too). */
const waitForPeopleAmong = (page, names, expected) =>
  waitForPeople(page, expected.map((entry) => entry.split(':')), { among: names });

// Choosing a person opens @person; the other side sees the message under @sender with an unread badge, and nowhere else.
test('a private conversation between two people', async (t) => {
  const ivy = await person(t, 'ivy');
  const jon = await person(t, 'jon', { colorScheme: 'dark' });
  await openConversation(ivy, 'd/jon');
  assert.equal(await ivy.getByTestId('conversation-title').textContent(), '@ jon');
  assert.equal(await ivy.getByTestId('conversation-info').textContent(), 'online');
  assert.equal(await ivy.getByTestId('leave-room').isVisible(), false, 'no Leave in a private conversation');
  await send(ivy, 'psst, jon: lunch?');
  await messageItem(ivy, 'ivy', 'psst, jon: lunch?').and(ivy.locator('[data-state="delivered"]')).waitFor();

  // jon is reading #general: the message waits under @ivy, counted.
  await waitForUnread(jon, 'd/ivy', 1);
  assert.equal(await jon.getByTestId('unread-total').textContent(), '1');
  assert.equal(await messageItem(jon, 'ivy', 'psst, jon: lunch?').count(), 0, 'not in #general');
  await openConversation(jon, 'd/ivy');
  await messageItem(jon, 'ivy', 'psst, jon: lunch?').waitFor();
  await waitForUnread(jon, 'd/ivy', 0);
  await send(jon, 'sure, 12:30');
  await messageItem(ivy, 'jon', 'sure, 12:30').waitFor();
  assert.equal(await unread(ivy, 'd/jon'), 0, 'the open conversation never counts');

  // A fresh page of jon's (another browser) finds the conversation in its welcome, with its history.
  const again = await openPage(env.browser);
  t.after(() => again.context().close());
  await signIn(again, env.server.pageUrl, 'jon');
  await openConversation(again, 'd/ivy');
  await messageItem(again, 'ivy', 'psst, jon: lunch?').waitFor();
  await messageItem(again, 'jon', 'sure, 12:30').waitFor();
  assert.deepEqual([...ivy.problems, ...jon.problems, ...again.problems], []);
});

// The People list: you first, then online, then offline, each by name; dots follow presence frames.
test('presence: dots and order follow people coming and going', async (t) => {
  const kim = await person(t, 'kim');
  const max = await person(t, 'max');
  const lou = await openPage(env.browser);
  await register(lou, env.server.pageUrl, 'lou');
  const names = ['kim', 'lou', 'max'];
  await waitForPeopleAmong(kim, names, ['kim:true', 'lou:true', 'max:true']);

  await lou.context().close(); // lou's only connection ends: offline, and after the online ones
  await waitForPeopleAmong(kim, names, ['kim:true', 'max:true', 'lou:false']);
  await waitForPeopleAmong(max, names, ['max:true', 'kim:true', 'lou:false']);
  assert.equal(await sidebarEntry(kim, 'd/lou').locator('.dot').getAttribute('title'), 'offline');

  const back = await openPage(env.browser);
  t.after(() => back.context().close());
  await signIn(back, env.server.pageUrl, 'lou');
  await waitForPeopleAmong(kim, names, ['kim:true', 'lou:true', 'max:true']);
  assert.deepEqual([...kim.problems, ...max.problems], []);
});

// Someone who shared no room with you appears in People when they join one of your rooms (`joined`).
test('a newcomer to one of your rooms joins the People list', async (t) => {
  const ned = await person(t, 'ned');
  const ola = await person(t, 'ola');
  await createRoom(ned, 'knitting');
  // ola leaves #general, so that she shares no room with ned; ned's next welcome leaves her out.
  await openConversation(ola, 'r/general');
  await ola.getByTestId('leave-room').click();
  await ola.getByTestId('no-conversation').waitFor();
  await ned.reload();
  await waitForStatus(ned, 'connected');
  await openConversation(ned, 'r/knitting');
  assert.equal(await sidebarEntry(ned, 'd/ola').count(), 0, 'not listed: no shared room');

  await joinRoom(ola, 'knitting');
  await waitForPeopleAmong(ned, ['ned', 'ola'], ['ned:true', 'ola:true']);
  await ned.locator('[data-testid="notice"]', { hasText: 'ola joined' }).waitFor();
  assert.deepEqual([...ned.problems, ...ola.problems], []);
});

// A private partner who shares no room is followed too: online when the conversation begins,
// offline when they go, and still listed after a reload (the welcome counts them as a contact).
test('a private partner who shares no room shows online, then offline', async (t) => {
  const pat = await person(t, 'pat');
  const quin = await openPage(env.browser);
  await register(quin, env.server.pageUrl, 'quin');
  // quin leaves #general, so that the two share no room; pat's next welcome leaves quin out.
  await openConversation(quin, 'r/general');
  await quin.getByTestId('leave-room').click();
  await quin.getByTestId('no-conversation').waitFor();
  await pat.reload();
  await waitForStatus(pat, 'connected');
  assert.equal(await sidebarEntry(pat, 'd/quin').count(), 0, 'not listed: no shared room');

  await openConversation(quin, 'd/pat');
  await send(quin, 'a word in private');
  await messageItem(quin, 'quin', 'a word in private').and(quin.locator('[data-state="delivered"]')).waitFor();
  const names = ['pat', 'quin'];
  // quin under "Direct messages", above "People" where pat is.
  await waitForPeopleAmong(pat, names, ['quin:true', 'pat:true']);

  await quin.context().close();
  await waitForPeopleAmong(pat, names, ['quin:false', 'pat:true']);
  await pat.reload();
  await waitForStatus(pat, 'connected');
  await waitForPeopleAmong(pat, names, ['quin:false', 'pat:true']);
  await shot(pat, 'private-partner-offline.png');
  assert.deepEqual(pat.problems, []);
});
