// harness.mjs: the one shared helper of the browser tests.
//
// - startServer() runs the real threadchat binary (env THREADCHAT_BIN, default
//   <repo>/target/debug/threadchat) on 127.0.0.1, port 0 unless told otherwise, and learns its
//   URLs from the two lines it prints on stdout; stop() kills it.
// - launchBrowser() starts Debian's headless Chromium through playwright-core (no browser
//   download); openPage() gives a page in a fresh context that records page errors and HTTP
//   errors, so a test can assert there were none.
// - signIn(), shot() and friends keep the tests short. Every wait has a deadline; none sleeps.

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { after, before } from 'node:test';
import { chromium } from 'playwright-core';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BIN = process.env.THREADCHAT_BIN || join(REPO, 'target', 'debug', 'threadchat');
export const ARTIFACTS = join(REPO, 'target', 'browser-artifacts');
// Default deadline for anything the page should do; generous, as the 2 cores are shared.
export const WAIT_MS = 15_000;
const STARTUP_MS = 10_000; // deadline for the server to print both URLs
const STOP_MS = 5_000; // after this, a server that ignored its signal gets SIGKILL
const PAGE_LINE = /^page: http:\/\/127\.0\.0\.1:(\d+)\/$/;
const WS_LINE = /^websocket: ws:\/\/127\.0\.0\.1:(\d+)\/$/;

/** Starts the server; resolves to { pageUrl, httpPort, wsPort, stop(signal) }. */
export async function startServer({ http = '127.0.0.1:0', ws = '127.0.0.1:0' } = {}) {
  const args = ['--http', http, '--ws', ws, '--www', join(REPO, 'www')];
  const child = spawn(BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const recent = []; // the last lines of output, to explain a failure
  const remember = (line) => recent.push(line) > 40 && recent.shift();
  // Both pipes are read until the end, so a chatty server never blocks on a full pipe.
  createInterface({ input: child.stderr }).on('line', remember);
  const stdout = createInterface({ input: child.stdout });
  const exited = once(child, 'exit');

  const ports = await new Promise((resolvePorts, reject) => {
    let httpPort;
    let wsPort;
    const fail = (why) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${why}\n--- ${BIN} ${args.join(' ')} printed ---\n${recent.join('\n')}`));
    };
    const timer = setTimeout(() => fail(`no "page:" and "websocket:" lines within ${STARTUP_MS} ms`), STARTUP_MS);
    const onEarlyExit = (code, signal) => fail(`the server exited early (code ${code}, signal ${signal})`);
    child.once('error', (err) => fail(`cannot run the server: ${err.message}`));
    child.once('exit', onEarlyExit);
    stdout.on('line', (line) => {
      remember(line);
      httpPort ??= PAGE_LINE.exec(line.trim())?.[1];
      wsPort ??= WS_LINE.exec(line.trim())?.[1];
      if (httpPort && wsPort) {
        clearTimeout(timer);
        child.off('exit', onEarlyExit);
        resolvePorts({ httpPort: Number(httpPort), wsPort: Number(wsPort) });
      }
    });
  });

  return {
    ...ports,
    pageUrl: `http://127.0.0.1:${ports.httpPort}/`,
    output: recent,
    /** Kills the server (SIGKILL unless told) and waits until it is gone. */
    async stop(signal = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_MS); // a stuck graceful stop
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * Starts a server on exactly these ports, as after a restart. The old sockets may still be
 * closing, so a failed bind is retried for a few seconds.
 */
export async function startServerOn(httpPort, wsPort, { retryMs = 5000 } = {}) {
  const deadline = Date.now() + retryMs;
  for (;;) {
    try {
      return await startServer({ http: `127.0.0.1:${httpPort}`, ws: `127.0.0.1:${wsPort}` });
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await delay(200); // back off between bind attempts, not a wait for the page
    }
  }
}

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
 * A page in its own context (its own storage, like another person's browser). page.problems
 * collects uncaught page errors and HTTP responses >= 400 (a favicon 404 would show up here).
 */
export async function openPage(browser, { width = 1280, height = 800, colorScheme = 'light' } = {}) {
  const context = await browser.newContext({ viewport: { width, height }, colorScheme, locale: 'en-US' });
  context.setDefaultTimeout(WAIT_MS);
  const page = await context.newPage();
  page.problems = [];
  page.on('pageerror', (err) => page.problems.push(`page error: ${err.message}`));
  page.on('response', (response) => {
    if (response.status() >= 400) page.problems.push(`HTTP ${response.status()} ${response.url()}`);
  });
  return page;
}

/** Loads the page, submits `name` at the prompt with Enter, and waits for the welcome. */
export async function signIn(page, pageUrl, name) {
  await page.goto(pageUrl);
  await page.getByTestId('name-input').fill(name);
  await page.getByTestId('name-input').press('Enter');
  await waitForStatus(page, 'connected');
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

/** Names in the online list, in the order shown. */
export function onlineNames(page) {
  return page.locator('[data-testid="online-user"]').evaluateAll((items) => items.map((li) => li.dataset.name));
}

/** Saves a PNG into <repo>/target/browser-artifacts/. */
export async function shot(page, file) {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, file) });
}

/**
 * One server and one browser shared by the tests of the calling file: started before its first
 * test, stopped after its last. `env.server` may be replaced (a restart); the new one is stopped.
 */
export function useServerAndBrowser() {
  const env = { server: null, browser: null };
  before(async () => {
    env.server = await startServer();
    env.browser = await launchBrowser();
  });
  after(async () => {
    await env.browser?.close();
    await env.server?.stop();
  });
  return env;
}
