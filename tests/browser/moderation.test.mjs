// moderation.test.mjs: the teacher tools, as a teacher and a student use them in two browsers.
// The console's setup link makes the teacher the owner; the teacher deletes a student's message
// and mutes the student, who sees both; a read-only room and Class settings (registration, who
// is connected, the log); a student locked out gets back in with a reset code. Screenshots:
// moderation-*.png, light and dark, wide and at 360 px.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  PASSWORD, WAIT_MS, createAccount, launchBrowser, messageItem, openConversation, openPage,
  openAccountMenu, register, send, shot, signIn, startServer, waitForStatus,
} from './harness.mjs';

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

/** A server of its own for test `t`, stopped when it ends. */
async function serverFor(t) {
  const server = await startServer({ args: ['--send-rate', '10000', '--send-burst', '10000'] });
  t.after(() => server.stop());
  return server;
}

/** A page in a browser context of its own, closed when `t` ends. */
async function pageFor(t, options) {
  const page = await openPage(browser, options);
  t.after(() => page.context().close());
  return page;
}

/** Makes `name` the owner through the setup link's code, straight through the API. */
async function ownerAccount(server, name) {
  const code = new URL(await server.setupLink()).hash.replace('#setup=', '');
  const response = await fetch(new URL('/api/register', server.pageUrl), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ name, password: PASSWORD, setup_code: code }),
    signal: AbortSignal.timeout(WAIT_MS),
  });
  assert.equal(response.status, 201, await response.text());
}

/** `page`'s message from `from` with text `text`, once delivered. */
async function delivered(page, from, text) {
  const item = messageItem(page, from, text).and(page.locator('[data-state="delivered"]'));
  await item.waitFor();
  return item;
}

// The setup link opens a form that says what it does; the account made through it is the owner,
// who removes a student's message and mutes the student; the student sees both at once.
test('the setup link makes the teacher owner, who deletes a message and mutes a student', async (t) => {
  const server = await serverFor(t);
  const link = await server.setupLink();
  assert.match(link, /^http:\/\/127\.0\.0\.1:\d+\/#setup=[0-9a-f]{32}$/);
  const teacher = await pageFor(t);
  await teacher.goto(link);
  await teacher.getByTestId('account-setup').waitFor();
  await shot(teacher, 'moderation-setup.png');
  await teacher.getByTestId('account-name').fill('rivera');
  await teacher.getByTestId('account-password').fill(PASSWORD);
  await teacher.getByTestId('account-repeat').fill(PASSWORD);
  await teacher.getByTestId('account-submit').click();
  await waitForStatus(teacher, 'connected');
  assert.equal(new URL(teacher.url()).hash, '', 'the spent code is off the address');

  const student = await pageFor(t);
  await register(student, server.pageUrl, 'bob');
  await send(student, 'something unkind');
  const unkind = await delivered(teacher, 'bob', 'something unkind');
  await unkind.hover();
  await unkind.getByTestId('message-actions').click();
  assert.equal(await teacher.getByTestId('message-edit').isHidden(), true, 'nobody edits another');
  await teacher.getByTestId('message-delete').click();
  await teacher.getByTestId('delete-confirm').click();
  await messageItem(student, 'bob', 'message deleted').waitFor();

  await openConversation(teacher, 'd/bob');
  await teacher.getByTestId('person-actions').click();
  await teacher.getByTestId('mute-10').click();
  await teacher.getByText('bob is muted for 10 minutes.').waitFor();
  const block = student.getByTestId('composer-block');
  await block.waitFor();
  assert.match(await block.textContent(), /^You are muted until .+\. You can still read\.$/);
  assert.equal(await student.getByTestId('message-input').isDisabled(), true);
  await shot(student, 'moderation-muted.png');
  // The people lists mark the owner.
  await student.getByTestId('role-badge').first().waitFor();
  await teacher.getByTestId('person-actions').click();
  await shot(teacher, 'moderation-person-menu.png');
  await teacher.getByTestId('unmute').click();
  await block.waitFor({ state: 'hidden' });
  assert.equal(await student.getByTestId('message-input').isDisabled(), false);
  assert.deepEqual([...teacher.problems, ...student.problems], []);
});

// A read-only room says so in place of the composer; Class settings closes registration and
// shows who is connected and the log.
test('room settings and class settings', async (t) => {
  const server = await serverFor(t);
  await ownerAccount(server, 'rivera');
  const teacher = await pageFor(t, { colorScheme: 'dark' });
  await signIn(teacher, server.pageUrl, 'rivera');
  const student = await pageFor(t, { width: 360, height: 740 });
  await register(student, server.pageUrl, 'zoe');

  await teacher.getByTestId('room-settings').click();
  await teacher.getByTestId('room-read-only').check();
  await shot(teacher, 'moderation-room-settings.png');
  await teacher.getByTestId('room-settings-save').click();
  const block = student.getByTestId('composer-block');
  await block.waitFor();
  assert.equal(await block.textContent(), '#general is read-only: only owners and moderators post here.');
  await shot(student, 'moderation-read-only-phone.png');
  await send(teacher, 'Homework: page 12');
  await delivered(student, 'rivera', 'Homework: page 12');

  await openAccountMenu(teacher);
  await teacher.getByTestId('open-class').click();
  await teacher.getByTestId('class-dialog').waitFor();
  await teacher.getByTestId('registration-closed').check();
  await teacher.getByTestId('registration-save').click();
  await teacher.getByText('Registration is closed.').waitFor();
  await teacher.getByTestId('connected-user').filter({ hasText: 'zoe: 1 tab from 127.0.0.1' }).waitFor();
  await teacher.getByTestId('audit-entry').filter({ hasText: 'set #general to read-only' }).waitFor();
  await teacher.getByTestId('class-close').click();
  await openAccountMenu(teacher);
  await teacher.getByTestId('open-class').click();
  await teacher.getByTestId('audit-entry').filter({ hasText: 'set registration to closed' }).waitFor();
  await shot(teacher, 'moderation-class-settings-dark.png');
  const info = await (await fetch(new URL('/api/info', server.pageUrl))).json();
  assert.equal(info.registration, 'closed');
  assert.deepEqual([...teacher.problems, ...student.problems], []);
});

// A student who forgot the password: the teacher makes a code (shown once, with Copy), and the
// student sets a new password with it from the sign-in form.
test('a student resets a forgotten password with a code', async (t) => {
  const server = await serverFor(t);
  await ownerAccount(server, 'rivera');
  await createAccount(server, 'sam');
  const teacher = await pageFor(t);
  await signIn(teacher, server.pageUrl, 'rivera');
  await openConversation(teacher, 'd/sam');
  await teacher.getByTestId('person-actions').click();
  await teacher.getByTestId('reset-password').click();
  await teacher.getByTestId('reset-dialog').waitFor();
  const code = (await teacher.getByTestId('reset-code').textContent()).trim();
  assert.match(code, /^[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}$/);
  await shot(teacher, 'moderation-reset-code.png');
  await teacher.getByTestId('reset-close').click();

  const student = await pageFor(t, { width: 360, height: 740 });
  await student.goto(server.pageUrl);
  await student.getByTestId('mode-reset').click();
  await student.getByTestId('account-name').fill('sam');
  await student.getByTestId('account-reset-code').fill(code.toUpperCase());
  await student.getByTestId('account-password').fill('a brand new password');
  await student.getByTestId('account-repeat').fill('a brand new password');
  await shot(student, 'moderation-reset-form-phone.png');
  await student.getByTestId('account-submit').click();
  await waitForStatus(student, 'connected');
  assert.deepEqual([...teacher.problems, ...student.problems], []);
});
