// composer.test.mjs: the message box (issue 16, items 2, 3 and 5). It is a text area that grows
// with what is written: Enter sends, Shift+Enter starts a new line, pasted lines stay lines, and
// near the server's limit (UTF-8 bytes, as /api/info says) a note counts in characters what is
// left or what is too many: nothing is ever cut. Each conversation keeps its own draft, in
// localStorage under the account, so a draft never follows you into another conversation, and
// a reload finds it; sign-out deletes them. The cursor is in the box when a conversation opens
// on a wide screen. Two people are two browser contexts. One server and one browser for the file.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  createAccount, createRoom, messageItem, openConversation, openPage, postMany, register,
  registeredPages, send, shot, signIn, signOut, useServerAndBrowser, waitForSignInForm, waitForStatus,
} from './harness.mjs';

// One server and one browser for this file, stopped when it ends.
const env = useServerAndBrowser();

const box = (page) => page.getByTestId('message-input');
const height = (page) => box(page).evaluate((area) => area.getBoundingClientRect().height);
const note = (page) => page.getByTestId('text-limit');
const serverLimit = (page) => page.evaluate(async () => (await (await fetch('/api/info')).json()).max_text_bytes);
const draftsOf = (page, account) =>
  page.evaluate((key) => JSON.parse(localStorage.getItem(key) ?? 'null'), `threadchat.${account}.drafts`);

/** Waits until the keyboard is in the message box (a deadline, then a clear failure). */
async function waitForFocusInBox(page, when) {
  try {
    await page.waitForFunction(() => document.activeElement?.dataset.testid === 'message-input', null, { timeout: 5000 });
  } catch {
    const where = await page.evaluate(() => document.activeElement?.outerHTML.slice(0, 80) ?? 'nothing');
    assert.fail(`${when}: the keyboard is on ${where}, not in the message box`);
  }
}

/** Puts `text` on the clipboard and pastes it into the message box with the keyboard. */
async function paste(page, text) {
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
  await page.evaluate((t) => navigator.clipboard.writeText(t), text);
  await box(page).focus();
  await page.keyboard.press('ControlOrMeta+V');
}

// Shift+Enter adds a line instead of sending; Enter sends; the other person sees the line break.
test('Shift+Enter starts a new line, Enter sends it with its line break', async (t) => {
  const [amy, ben] = await registeredPages(t, env, ['amy', 'ben']);
  const atRest = await height(amy);
  await box(amy).click();
  await amy.keyboard.type('Homework:');
  await amy.keyboard.press('Shift+Enter');
  await amy.keyboard.type('page 12, exercises 3 to 5');
  assert.equal(await box(amy).inputValue(), 'Homework:\npage 12, exercises 3 to 5');
  assert.equal(await amy.locator('[data-testid="message"][data-from="amy"]').count(), 0, 'Shift+Enter sent nothing');
  assert.ok(await height(amy) > atRest + 10, 'the box grew by a line');

  // While an input method composes (Japanese, Chinese...), its Enter picks a word: it sends nothing.
  await box(amy).evaluate((area) => area.dispatchEvent(new KeyboardEvent('keydown',
    { key: 'Enter', isComposing: true, bubbles: true, cancelable: true })));
  assert.equal(await box(amy).inputValue(), 'Homework:\npage 12, exercises 3 to 5');

  await amy.keyboard.press('Enter');
  const text = 'Homework:\npage 12, exercises 3 to 5';
  await messageItem(amy, 'amy', text).and(amy.locator('[data-state="delivered"]')).waitFor();
  assert.equal(await box(amy).inputValue(), '');
  assert.equal(await height(amy), atRest, 'back to one row once sent');

  const received = messageItem(ben, 'amy', text).getByTestId('message-text');
  await received.waitFor();
  const lines = await received.evaluate((p) => p.getBoundingClientRect().height / parseFloat(getComputedStyle(p).lineHeight));
  assert.equal(Math.round(lines), 2, 'shown on two lines');
  assert.deepEqual([...amy.problems, ...ben.problems], []);
});

// The box grows line by line up to about eight rows, then scrolls; pasted lines stay lines; the newest message stays in sight.
test('the box grows to about eight rows, then scrolls; pasted lines are kept', async (t) => {
  const [cal] = await registeredPages(t, env, ['cal']);
  await postMany(cal, env.server.wsPort, 'general', 'filler', 20); // (the server's burst: 20)
  await messageItem(cal, 'cal', 'filler 20').waitFor();
  const list = cal.getByTestId('messages');
  const atEnd = () => list.evaluate((ul) => ul.scrollHeight - ul.scrollTop - ul.clientHeight < 2);
  assert.equal(await atEnd(), true);
  const atRest = await height(cal);
  const lines = Array.from({ length: 20 }, (_, i) => `line ${i + 1}`).join('\n');
  await paste(cal, lines);
  assert.equal(await box(cal).inputValue(), lines, 'pasted lines are kept');
  const line = await box(cal).evaluate((area) => parseFloat(getComputedStyle(area).lineHeight));
  const rows = Math.round((await height(cal) - atRest) / line) + 1;
  assert.equal(rows, 8, 'eight rows high (on a wide screen: five on a phone)');
  assert.ok(await box(cal).evaluate((area) => area.scrollHeight > area.clientHeight + 20), 'the rest scrolls');
  await cal.waitForFunction(() => {
    const ul = document.querySelector('[data-testid="messages"]');
    return ul.scrollHeight - ul.scrollTop - ul.clientHeight < 2;
  }, null, { timeout: 5000 }).catch(() => assert.fail('the list, shorter now, no longer shows its newest message'));
  await cal.keyboard.type(' and more'); // the box, measured at each key, must not move the list
  assert.equal(await atEnd(), true, 'typing in a tall box keeps the newest message in sight');
  await send(cal, 'short again');
  await messageItem(cal, 'cal', 'short again').waitFor();
  assert.equal(await height(cal), atRest);
});

// Over the server's limit nothing is cut: a note counts the characters too many, Send waits.
test('a long text is never cut: the note counts characters left, then too many', async (t) => {
  const [dot] = await registeredPages(t, env, ['dot']);
  const limit = await serverLimit(dot);
  assert.equal(limit, 4096);
  await paste(dot, 'a'.repeat(5000));
  assert.equal((await box(dot).inputValue()).length, 5000, 'all 5,000 characters are kept');
  await note(dot).filter({ hasText: /^904 characters too many$/ }).waitFor();
  assert.equal(await dot.getByTestId('send').isDisabled(), true);
  assert.equal(await box(dot).getAttribute('aria-invalid'), 'true');
  await box(dot).press('Enter');
  assert.equal(await dot.locator('[data-testid="message"][data-from="dot"]').count(), 0, 'nothing was sent');
  assert.equal((await box(dot).inputValue()).length, 5000, 'Enter cut nothing either');

  // Counted as the server counts (UTF-8 bytes), said in characters: an é is two bytes.
  await box(dot).fill('é'.repeat(2050)); // 4,100 bytes
  await note(dot).filter({ hasText: /^2 characters too many$/ }).waitFor();
  await box(dot).fill('é'.repeat(2000)); // 4,000 bytes: 96 left, 48 é
  await note(dot).filter({ hasText: /^48 characters left$/ }).waitFor();
  assert.equal(await dot.getByTestId('send').isDisabled(), false);
  await box(dot).fill('a'.repeat(3000)); // far from the limit: no note
  await note(dot).waitFor({ state: 'hidden' });
  await box(dot).fill('a'.repeat(4095));
  await note(dot).filter({ hasText: /^1 character left$/ }).waitFor();
  await box(dot).press('Enter');
  await messageItem(dot, 'dot', 'a'.repeat(4095)).and(dot.locator('[data-state="delivered"]')).waitFor();
  await note(dot).waitFor({ state: 'hidden' });
  assert.deepEqual(dot.problems, []);
});

// A draft belongs to its conversation: typed in #general, it is not what Enter sends to a private one.
test('a draft stays in its conversation and is not sent into another', async (t) => {
  const [eve, fay] = await registeredPages(t, env, ['eve', 'fay']);
  await box(eve).fill('for the whole class');
  await openConversation(eve, 'd/fay');
  assert.equal(await box(eve).inputValue(), '', 'the private conversation has a box of its own');
  await send(eve, 'just for you');
  await messageItem(eve, 'eve', 'just for you').and(eve.locator('[data-state="delivered"]')).waitFor();
  await box(eve).fill('a second thought for fay');

  await openConversation(eve, 'r/general');
  assert.equal(await box(eve).inputValue(), 'for the whole class', 'the draft waited in #general');
  await openConversation(eve, 'd/fay');
  assert.equal(await box(eve).inputValue(), 'a second thought for fay');
  await openConversation(eve, 'r/general');

  await openConversation(fay, 'd/eve');
  await messageItem(fay, 'eve', 'just for you').waitFor();
  assert.equal(await fay.getByText('for the whole class').count(), 0, 'the class draft never reached fay');
  await openConversation(fay, 'r/general');
  assert.equal(await fay.getByText('for the whole class').count(), 0);
  assert.deepEqual([...eve.problems, ...fay.problems], []);
});

// Drafts are kept in this browser under the account: a reload finds them; sending clears one.
test('drafts survive a reload, and signing out deletes them', async (t) => {
  const [gus] = await registeredPages(t, env, ['gus']);
  await createRoom(gus, 'maths');
  await box(gus).fill('question 4 is\nambiguous');
  await openConversation(gus, 'r/general');
  await box(gus).fill('see you tomorrow');
  await gus.reload();
  await waitForStatus(gus, 'connected');
  await gus.locator('[data-testid="conversation-title"][data-key="r/general"]').waitFor();
  assert.equal(await box(gus).inputValue(), 'see you tomorrow');
  await openConversation(gus, 'r/maths');
  assert.equal(await box(gus).inputValue(), 'question 4 is\nambiguous');
  assert.ok(await height(gus) > 50, 'a two-line draft comes back two lines high');
  await box(gus).press('Enter');
  await messageItem(gus, 'gus', 'question 4 is\nambiguous').waitFor();
  assert.deepEqual(Object.keys(await draftsOf(gus, 'gus')), ['r/general'], 'sent: its draft is gone');

  await signOut(gus);
  await waitForSignInForm(gus);
  assert.equal(await draftsOf(gus, 'gus'), null, 'signing out deletes every draft');
  await signIn(gus, env.server.pageUrl, 'gus');
  await openConversation(gus, 'r/general');
  assert.equal(await box(gus).inputValue(), '', 'the draft went with the sign-out');
  assert.deepEqual(gus.problems, []);
});

// Drafts are the account's: in a browser two students share, a session that ended without Sign out keeps its drafts from the next one.
test('drafts are kept per account: the next person in the browser does not see them', async (t) => {
  const [ivo] = await registeredPages(t, env, ['ivo']);
  await createAccount(env.server, 'una');
  await box(ivo).fill("ivo's half-written answer");
  // The session ends from outside the page (as when it expires): no Sign out button, so nothing
  // is deleted; the page goes back to the sign-in form by itself.
  await ivo.evaluate(() => fetch('/api/logout', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' }));
  await waitForSignInForm(ivo);
  assert.equal(await box(ivo).inputValue(), '', 'the box is emptied');
  await signIn(ivo, env.server.pageUrl, 'una');
  await ivo.locator('[data-testid="conversation-title"][data-key="r/general"]').waitFor();
  assert.equal(await box(ivo).inputValue(), '', "una does not find ivo's draft");
  await box(ivo).fill("una's own");
  await signOut(ivo);
  await waitForSignInForm(ivo);
  assert.equal(await draftsOf(ivo, 'una'), null);
  await signIn(ivo, env.server.pageUrl, 'ivo');
  await ivo.locator('[data-testid="conversation-title"][data-key="r/general"]').waitFor();
  assert.equal(await box(ivo).inputValue(), "ivo's half-written answer", 'ivo finds it again');
});

// The drafts kept are bounded: past 50, the one edited longest ago goes.
test('at most 50 drafts are kept, the oldest dropped first', async (t) => {
  const [hal] = await registeredPages(t, env, ['hal']);
  await hal.evaluate(async () => {
    const drafts = await import('./drafts.js'); // the page's own module (one instance per URL)
    for (let i = 1; i <= 60; i++) drafts.keep(`r/room${i}`, `draft ${i}`);
    drafts.keep('r/room11', 'draft 11, edited again'); // the oldest left becomes the newest
    drafts.keep('r/extra', 'one more');
  });
  const kept = await draftsOf(hal, 'hal');
  assert.equal(Object.keys(kept).length, 50);
  assert.equal(kept['r/room10'], undefined, 'the ten oldest went');
  assert.equal(kept['r/room11'], 'draft 11, edited again', 'an edited draft is new again');
  assert.equal(kept['r/room12'], undefined, 'then the oldest went');
  assert.equal(kept['r/room13'], 'draft 13');
  assert.equal(kept['r/extra'], 'one more');
});

// On a wide screen the keyboard is in the box whenever a conversation opens, so typing goes there.
test('the cursor is in the box after registering, reloading, signing in, creating a room, choosing', async (t) => {
  const ida = await openPage(env.browser);
  t.after(() => ida.context().close());
  await register(ida, env.server.pageUrl, 'ida');
  await waitForFocusInBox(ida, 'after registering');
  await ida.reload();
  await waitForStatus(ida, 'connected');
  await waitForFocusInBox(ida, 'after a reload');
  await createRoom(ida, 'art');
  await waitForFocusInBox(ida, 'after creating a room');
  await openConversation(ida, 'r/general');
  await waitForFocusInBox(ida, 'after choosing a room');
  await openConversation(ida, 'd/ida');
  await waitForFocusInBox(ida, 'after choosing a person');
  await ida.keyboard.type('typed straight away');
  assert.equal(await box(ida).inputValue(), 'typed straight away');

  const other = await openPage(env.browser);
  t.after(() => other.context().close());
  await signIn(other, env.server.pageUrl, 'ida');
  await waitForFocusInBox(other, 'after signing in');
  assert.deepEqual([...ida.problems, ...other.problems], []);
});

// On a phone, opening a conversation from the drawer does not pop the keyboard over the messages.
test('on a phone, choosing a conversation leaves the keyboard closed', async (t) => {
  const jo = await openPage(env.browser, { width: 375, height: 740 });
  t.after(() => jo.context().close());
  await register(jo, env.server.pageUrl, 'jo');
  await openConversation(jo, 'd/jo');
  await jo.locator('#sidebar.open').waitFor({ state: 'detached' });
  assert.equal(await jo.evaluate(() => document.activeElement?.dataset.testid), 'sidebar-toggle');
  assert.deepEqual(jo.problems, []);
});

// What the composer looks like with a multi-line draft and with the limit note, light and dark, wide and phone.
test('screenshots: a multi-line draft, and the limit note', async (t) => {
  const sizes = [['wide', 1280, 800], ['phone', 375, 740]];
  for (const [size, width, height] of sizes) {
    for (const colorScheme of ['light', 'dark']) {
      const page = await openPage(env.browser, { width, height, colorScheme });
      t.after(() => page.context().close());
      const name = `kit-${size}-${colorScheme}`;
      await register(page, env.server.pageUrl, name);
      await createRoom(page, `${size}-${colorScheme}`); // away from the other tests' messages
      // (On a phone the drawer stays open after creating a room: closed for the picture.)
      if (await page.locator('#sidebar.open').count()) await page.getByTestId('sidebar-close').click();
      await send(page, 'Is the homework for Friday?');
      await messageItem(page, name, 'Is the homework for Friday?').and(page.locator('[data-state="delivered"]')).waitFor();
      await box(page).fill('Three things for tomorrow:\n- bring the lab report\n- read chapter 4\n- question 2 is optional');
      await shot(page, `composer-draft-${size}-${colorScheme}.png`);
      await box(page).fill(`${'a long essay '.repeat(320)}and more`);
      await note(page).filter({ hasText: /too many$/ }).waitFor();
      await shot(page, `composer-limit-${size}-${colorScheme}.png`);
      assert.deepEqual(page.problems, []);
    }
  }
});
