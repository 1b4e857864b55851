// server.mjs: the real threadchat binary for the browser tests (re-exported by harness.mjs).
//
// startServer() runs it (env THREADCHAT_BIN, default <repo>/target/debug/threadchat) on
// 127.0.0.1, port 0 unless told otherwise, with accounts (or `guests: true`) and a fresh data
// directory of its own, and learns its URLs from the two lines it prints on stdout; stop() kills
// it and removes the directory. startAgain() starts a stopped server again on the same ports and
// the same data directory, as after a restart.

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BIN = process.env.THREADCHAT_BIN || join(REPO, 'target', 'debug', 'threadchat');
const STARTUP_MS = 10_000; // deadline for the server to print both URLs
const STOP_MS = 5_000; // after this, a server that ignored its signal gets SIGKILL
const PAGE_LINE = /^page: http:\/\/127\.0\.0\.1:(\d+)\/$/;
const WS_LINE = /^websocket: ws:\/\/127\.0\.0\.1:(\d+)\/$/;
const SETUP_LINE = /^owner setup: (http:\/\/\S+)$/;
// Every page of every test signs in from 127.0.0.1, and a test file makes more sign-ins in a
// minute than the server's per-address default (30) allows one classroom computer.
const TEST_AUTH_RATE = '1000';
/**
 * Starts the server; resolves to { pageUrl, httpPort, wsPort, dataDir, options, stop() }.
 * options: guests (no accounts, --guests), args (more flags), http/ws (addresses), data (an
 * existing data directory to use instead of a fresh one; it then belongs to this server).
 */
export async function startServer(options = {}) {
  const { guests = false, args: extra = [], http = '127.0.0.1:0', ws = '127.0.0.1:0' } = options;
  const dataDir = options.data ?? mkdtempSync(join(tmpdir(), 'threadchat-browser-'));
  const args = ['--http', http, '--ws', ws, '--www', join(REPO, 'www'), '--data', dataDir,
    '--auth-rate', TEST_AUTH_RATE, ...(guests ? ['--guests'] : []), ...extra];
  // Retried: a server killed a moment ago may still be closing its files.
  const removeData = () => rmSync(dataDir, { recursive: true, force: true, maxRetries: 5 });
  const child = spawn(BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const recent = []; // the last lines of output, to explain a failure
  const remember = (line) => recent.push(line) > 40 && recent.shift();
  // Both pipes are read until the end, so a chatty server never blocks on a full pipe.
  createInterface({ input: child.stderr }).on('line', remember);
  const stdout = createInterface({ input: child.stdout });
  // once() rejects if the binary cannot even be spawned ('error'); fail() below reports that.
  const exited = once(child, 'exit').catch(() => {});
  // The owner setup link, printed after the two URLs while nobody owns the chat.
  let foundSetup;
  const setupSeen = new Promise((resolveSetup) => { foundSetup = resolveSetup; });
  stdout.on('line', (line) => {
    const link = SETUP_LINE.exec(line.trim())?.[1];
    if (link) foundSetup(link);
  });
  exited.then(() => foundSetup(null));

  const ports = await new Promise((resolvePorts, reject) => {
    let httpPort;
    let wsPort;
    const fail = (why) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      // A fresh directory is ours to remove; one handed over (a restart) still holds the accounts.
      if (options.data === undefined) removeData();
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
    dataDir,
    options,
    output: recent,
    /** The owner setup link the server printed, or null if none comes before the deadline. */
    setupLink() {
      return Promise.race([setupSeen, delay(STARTUP_MS).then(() => null)]);
    },
    /**
     * Kills the server (SIGKILL unless told) and waits until it is gone; then removes its data
     * directory, unless `keepData` (to start it again with startAgain()).
     */
    async stop(signal = 'SIGKILL', { keepData = false } = {}) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_MS); // a stuck graceful stop
      await exited;
      clearTimeout(timer);
      if (!keepData) removeData();
    },
  };
}

/**
 * Starts a server stopped with { keepData: true } again, as after a restart: the same ports, flags
 * and data directory (which the new server now owns). The old sockets may still be closing, so
 * a failed bind is retried for a few seconds.
 */
export async function startAgain(stopped, { retryMs = 5000 } = {}) {
  const deadline = Date.now() + retryMs;
  const options = {
    ...stopped.options,
    http: `127.0.0.1:${stopped.httpPort}`,
    ws: `127.0.0.1:${stopped.wsPort}`,
    data: stopped.dataDir,
  };
  for (;;) {
    try {
      return await startServer(options);
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await delay(200); // back off between bind attempts, not a wait for the page
    }
  }
}
