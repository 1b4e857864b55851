// harness.mjs: what the browser tests share (with server.mjs, which it re-exports).
//
// - startServer() and startAgain() (from server.mjs, re-exported here) run the real binary on
//   127.0.0.1 with a data directory of its own, and start it again after a stop, as a restart.
// - launchBrowser() starts Debian's headless Chromium through playwright-core (no browser
//   download); openPage() gives a page in a fresh context (like another person's browser: its
//   own cookies) that records page errors and HTTP errors, so a test can assert there were none.
// - register() and signIn() go in through the sign-in form, joinAsGuest() through the guest
//   prompt; openAccountMenu(), openPasswordDialog() and signOut() go through the header's account
//   menu; openConversation(), createRoom() and joinRoom() go through the sidebar (opening the
//   drawer first on a phone); shot() and friends keep the tests short. Every wait has a deadline;
//   none sleeps.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { chromium } from 'playwright-core';

import { REPO, startServer } from './server.mjs';

export { BIN, REPO, startAgain, startServer } from './server.mjs';

export const ARTIFACTS = join(REPO, 'target', 'browser-artifacts');
// Default deadline for anything the page should do; generous, as the 2 cores are shared.
export const WAIT_MS = 15_000;
/** The password of the tests' accounts, unless a test says otherwise. */
export const PASSWORD = 'correct horse battery';

/** Headless Debian Chromium; launch() gives it a fresh, temporary user data dir. */
export function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_BIN || '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-quic',
    ],
  });
}

/**
 * A page in its own context (its own cookies and storage, like another person's browser).
 * page.problems collects uncaught page errors and HTTP responses >= 400 (a favicon 404 would show
 * up here), except the page's own question on load, GET /api/me, whose 401 is the ordinary
 * answer "not signed in".
 */
export async function openPage(browser, { width = 1280, height = 800, colorScheme = 'light' } = {}) {
  const context = await browser.newContext({ viewport: { width, height }, colorScheme, locale: 'en-US' });
  context.setDefaultTimeout(WAIT_MS);
  const page = await context.newPage();
  page.problems = [];
  page.on('pageerror', (err) => page.problems.push(`page error: ${err.message}`));
  page.on('response', (response) => {
    const status = response.status();
    const notSignedIn = status === 401 && new URL(response.url()).pathname === '/api/me';
    if (status >= 400 && !notSignedIn) page.problems.push(`HTTP ${status} ${response.url()}`);
  });
  return page;
}

/** Loads the page and waits for the sign-in form (the page has asked /api/info and /api/me). */
export async function openSignIn(page, pageUrl) {
  await page.goto(pageUrl);
  await page.getByTestId('account-name').waitFor();
}

/** Fills the sign-in form in its current mode; `repeat` only in create mode. */
async function fillAccountForm(page, name, password, { repeat } = {}) {
  await page.getByTestId('account-name').fill(name);
  await page.getByTestId('account-password').fill(password);
  if (repeat !== undefined) await page.getByTestId('account-repeat').fill(repeat);
}

/** Loads the page, creates the account `name` through the form (Enter), waits for the welcome. */
export async function register(page, pageUrl, name, password = PASSWORD) {
  await openSignIn(page, pageUrl);
  await page.getByTestId('mode-create').click();
  await fillAccountForm(page, name, password, { repeat: password });
  await page.getByTestId('account-repeat').press('Enter');
  await waitForStatus(page, 'connected');
}

/** Loads the page, signs in as `name` through the form (Enter), waits for the welcome. */
export async function signIn(page, pageUrl, name, password = PASSWORD) {
  await openSignIn(page, pageUrl);
  await fillAccountForm(page, name, password);
  await page.getByTestId('account-password').press('Enter');
  await waitForStatus(page, 'connected');
}

/** Under --guests: loads the page, submits `name` at the guest prompt, waits for the welcome. */
export async function joinAsGuest(page, pageUrl, name) {
  await page.goto(pageUrl);
  await page.getByTestId('guest-name').fill(name);
  await page.getByTestId('guest-name').press('Enter');
  await waitForStatus(page, 'connected');
}

/**
 * Creates the account `name` straight through the API, as another person would have done
 * earlier, so that a test can sign in to it. Node's fetch sends no Origin, like any non-browser
 * client; the cookie it gets is thrown away.
 */
export async function createAccount(server, name, password = PASSWORD) {
  const response = await fetch(new URL('/api/register', server.pageUrl), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ name, password }),
    signal: AbortSignal.timeout(WAIT_MS),
  });
  if (response.status !== 201) throw new Error(`registering ${name}: HTTP ${response.status} ${await response.text()}`);
}

/** Opens the header's account menu (if closed) and waits for its items. */
export async function openAccountMenu(page) {
  if ((await page.getByTestId('account-button').getAttribute('aria-expanded')) !== 'true') {
    await page.getByTestId('account-button').click();
  }
  await page.getByTestId('account-menu').waitFor();
}

/** Opens the Change password dialog through the account menu; its first field has the keyboard. */
export async function openPasswordDialog(page) {
  await openAccountMenu(page);
  await page.getByTestId('open-password').click();
  await page.getByTestId('password-old').waitFor();
}

/**
 * Asks to sign out through the account menu; resolves with the "Sign out?" dialog's text, the
 * dialog still open (its buttons: signout-confirm, signout-cancel).
 */
export async function askToSignOut(page) {
  await openAccountMenu(page);
  await page.getByTestId('sign-out').click();
  await page.getByTestId('signout-dialog').waitFor();
  return page.getByTestId('signout-text').textContent();
}

/** Signs out through the account menu, saying yes to "Sign out?"; the caller waits for what follows. */
export async function signOut(page) {
  await askToSignOut(page);
  await page.getByTestId('signout-confirm').click();
}

/** Waits until the page is back at the sign-in form, ready to be filled in. */
export async function waitForSignInForm(page) {
  await page.getByTestId('account-form').waitFor();
  await page.getByTestId('account-name').waitFor();
}

export function waitForStatus(page, state, timeout = WAIT_MS) {
  return page.locator(`[data-testid="status"][data-state="${state}"]`).waitFor({ timeout });
}

/** Types `text` in the message box and presses Enter. */
export async function send(page, text) {
  await page.getByTestId('message-input').fill(text);
  await page.getByTestId('message-input').press('Enter');
}

/** The message items from `from` whose text is exactly `text`. */
export function messageItem(page, from, text) {
  return page
    .locator(`[data-testid="message"][data-from="${from}"]`)
    .filter({ has: page.locator('[data-testid="message-text"]', { hasText: exactly(text) }) });
}

/** A RegExp that matches exactly `text`, for Playwright's hasText. */
export function exactly(text) {
  return new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
}

/** The People list as shown: [{ name, online: 'true' | 'false' | 'null' }], in order. */
export function people(page) {
  return page.locator('[data-testid="person"]').evaluateAll((buttons) =>
    buttons.map((b) => ({ name: b.dataset.name, online: b.dataset.online })));
}

/**
 * Waits until the People list shows exactly `expected` ([name, online] pairs, in order), counting
 * only the names in `among` if given (other tests' people may share #general too).
 */
export async function waitForPeople(page, expected, { among = null } = {}) {
  const want = JSON.stringify(expected.map(([name, online]) => `${name}:${online}`));
  try {
    await page.waitForFunction(([names, w]) => JSON.stringify([...document.querySelectorAll('[data-testid="person"]')]
      .filter((b) => !names || names.includes(b.dataset.name))
      .map((b) => `${b.dataset.name}:${b.dataset.online}`)) === w, [among, want]);
  } catch (err) {
    const seen = (await people(page)).filter((p) => !among || among.includes(p.name));
    throw new Error(`People list is ${JSON.stringify(seen)}, not ${want}: ${err.message}`);
  }
}

/** The sidebar entry of a conversation: key 'r/math' (a room) or 'd/bob' (a person). */
export function sidebarEntry(page, key) {
  return page.locator(`#sidebar button.conv[data-key="${key}"]`);
}

/** The unread count the sidebar shows for `key`. */
export async function unread(page, key) {
  return Number(await sidebarEntry(page, key).getAttribute('data-unread'));
}

/** Waits until the sidebar shows `count` unread for `key`. */
export function waitForUnread(page, key, count) {
  return page.locator(`#sidebar button.conv[data-key="${key}"][data-unread="${count}"]`).waitFor();
}

/** On a phone, opens the drawer (if closed); on a wide screen the sidebar is always there. */
export async function showSidebar(page) {
  const toggle = page.getByTestId('sidebar-toggle');
  if (await toggle.isVisible() && (await toggle.getAttribute('aria-expanded')) !== 'true') {
    await toggle.click();
    await page.locator('#sidebar.open').waitFor();
  }
}

/** Opens a conversation from the sidebar, and waits until it is the one shown. */
export async function openConversation(page, key) {
  await showSidebar(page);
  await sidebarEntry(page, key).click();
  await page.locator(`[data-testid="conversation-title"][data-key="${key}"]`).waitFor();
  await page.locator(`[data-testid="messages"][data-key="${key}"]`).waitFor();
}

/** Creates the room `name` through the sidebar's panel; it opens. */
export async function createRoom(page, name) {
  await showSidebar(page);
  if ((await page.getByTestId('room-panel-toggle').getAttribute('aria-expanded')) !== 'true') {
    await page.getByTestId('room-panel-toggle').click();
  }
  await page.getByTestId('room-name').fill(name);
  await page.locator('[data-testid="room-submit"]', { hasText: 'Create' }).waitFor();
  await page.getByTestId('room-name').press('Enter');
  await page.locator(`[data-testid="conversation-title"][data-key="r/${name.toLowerCase()}"]`).waitFor();
}

/** Joins the existing room `name` with its Join button in the list of all rooms; it opens. */
export async function joinRoom(page, name) {
  await showSidebar(page);
  if ((await page.getByTestId('room-panel-toggle').getAttribute('aria-expanded')) !== 'true') {
    await page.getByTestId('room-panel-toggle').click();
  }
  await page.locator(`[data-testid="directory-room"][data-name="${name}"] [data-testid="room-join"]`).click();
  await page.locator(`[data-testid="conversation-title"][data-key="r/${name.toLowerCase()}"]`).waitFor();
}

/** The seqs of the items in the open list whose text is exactly `text`. */
export function seqsOf(page, text) {
  return page.locator('[data-testid="messages"] [data-testid="message"]')
    .filter({ has: page.locator('[data-testid="message-text"]', { hasText: exactly(text) }) })
    .evaluateAll((items) => items.map((li) => li.dataset.seq ?? `(${li.dataset.state})`));
}

/**
 * Sends `count` messages to `room` from inside `page` (signed in: its cookie opens the socket),
 * through a WebSocket of its own, and resolves when the server has acknowledged each. Quicker
 * than typing them, and it is the protocol's own way in. Texts are `${prefix} ${i}`, i from 1.
 */
export function postMany(page, wsPort, room, prefix, count) {
  return page.evaluate(async ({ wsPort, room, prefix, count, waitMs }) => {
    const ws = new WebSocket(`ws://${location.hostname}:${wsPort}/`);
    const acked = new Set();
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${acked.size} of ${count} acknowledged`)), waitMs);
      ws.onmessage = (event) => {
        const frame = JSON.parse(event.data);
        if (frame.type === 'welcome') {
          for (let i = 1; i <= count; i++) ws.send(JSON.stringify({ type: 'send', room, text: `${prefix} ${i}`, id: `bulk-${prefix}-${i}` }));
        } else if (frame.type === 'error') {
          reject(new Error(`refused: ${event.data}`));
        } else if (frame.type === 'message' && frame.id?.startsWith('bulk-')) {
          acked.add(frame.id);
          if (acked.size === count) {
            clearTimeout(timer);
            resolve();
          }
        }
      };
      ws.onclose = () => reject(new Error('the socket closed'));
    });
    ws.onclose = null;
    ws.close();
  }, { wsPort, room, prefix, count, waitMs: WAIT_MS });
}

/** The outbox the page keeps in localStorage for `account`. */
export function outbox(page, account) {
  return page.evaluate((key) => JSON.parse(localStorage.getItem(key) ?? '[]'), `threadchat.${account}.pending`);
}

/** Saves a PNG into <repo>/target/browser-artifacts/. */
export async function shot(page, file) {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, file) });
}

/**
 * One server (started with `serverOptions`, see startServer) and one browser shared by the tests
 * of the calling file: started before its first test, stopped after its last. `env.server` may be
 * replaced (a restart); the new one is stopped.
 */
export function useServerAndBrowser(serverOptions = {}) {
  const env = { server: null, browser: null };
  before(async () => {
    env.server = await startServer(serverOptions);
    env.browser = await launchBrowser();
  });
  after(async () => {
    await env.browser?.close();
    await env.server?.stop();
  });
  return env;
}

/**
 * One page per name, in browser contexts of their own, each registered as that name on
 * `env.server`; all closed when test `t` ends. People in separate browsers: they share no
 * sign-in.
 */
export async function registeredPages(t, env, names) {
  const pages = [];
  t.after(() => Promise.all(pages.map((page) => page.context().close())));
  for (const name of names) {
    const page = await openPage(env.browser);
    pages.push(page);
    await register(page, env.server.pageUrl, name);
  }
  return pages;
}
