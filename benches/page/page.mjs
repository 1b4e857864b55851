// page.mjs: the web page's own benchmark, beside the load generator in `make bench`: what the
// page costs a student's browser. It starts a real server (tests/browser/server.mjs) with a
// #general of 120 messages, signs in one headless Chromium page, and prints:
//   - transfer: the bytes and requests of one load of the page (HTML, CSS, JS modules, the API
//     questions), cold (a fresh browser profile) and warm (a reload: what the cache keeps);
//   - first message: from the start of a reload to the first message on screen, and to the
//     newest one shown at the bottom (median and spread of RUNS reloads).
// One JSON line, then the human rows. `node benches/page/page.mjs [--www DIR]`: DIR measures
// another copy of the page (e.g. an older commit's www/, from `git archive`).

import { launchBrowser, openPage, postMany, register, startServer } from '../../tests/browser/harness.mjs';

const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const MESSAGES = 120;
const WAIT_MS = 15_000;

const wwwAt = process.argv.indexOf('--www');
const www = wwwAt > 0 ? process.argv[wwwAt + 1] : null;

/** Bytes and requests of everything the page loaded since navigation (Resource Timing). */
function transferred(page) {
  return page.evaluate(() => {
    const entries = [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')];
    return {
      requests: entries.length,
      wire: entries.reduce((sum, e) => sum + e.transferSize, 0), // with headers; 0 from cache
      body: entries.reduce((sum, e) => sum + e.decodedBodySize, 0),
    };
  });
}

/** Reloads `page`; ms from navigation start to the first message shown, and to the newest in view. */
async function reloadTimes(page, newest) {
  await page.reload({ waitUntil: 'commit' });
  return page.evaluate(({ newestText, waitMs }) => new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no message within the deadline')), waitMs);
    let first = null;
    const check = () => {
      const items = document.querySelectorAll('[data-testid="messages"] [data-testid="message-text"]');
      if (items.length && first === null) first = performance.now();
      const last = items[items.length - 1];
      const list = last?.closest('[data-testid="messages"]');
      if (last?.textContent === newestText && list
        && last.getBoundingClientRect().bottom <= list.getBoundingClientRect().bottom + 1) {
        clearTimeout(timer);
        resolve({ first, newest: performance.now() });
        return;
      }
      requestAnimationFrame(check);
    };
    check();
  }), { newestText: newest, waitMs: WAIT_MS });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const spread = (xs) => `${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)}`;

const server = await startServer({ args: ['--send-rate', '10000', '--send-burst', '10000', ...(www ? ['--www', www] : [])] });
const browser = await launchBrowser();
try {
  const page = await openPage(browser);
  await register(page, server.pageUrl, 'reader');
  await postMany(page, server.wsPort, 'general', 'line', MESSAGES);
  const newest = `line ${MESSAGES}`;
  // Cold: a fresh profile signing in is what register() just did; measure a fresh one's load.
  const cold = await openPage(browser);
  await cold.goto(server.pageUrl);
  await cold.getByTestId('account-form').waitFor({ timeout: WAIT_MS });
  const coldLoad = await transferred(cold);
  await cold.context().close();

  await reloadTimes(page, newest); // once to warm the cache, as a student's second visit
  const warm = await transferred(page);
  const firsts = [];
  const newests = [];
  for (let run = 0; run < RUNS; run++) {
    const { first, newest: last } = await reloadTimes(page, newest);
    firsts.push(first);
    newests.push(last);
  }
  const result = {
    scenario: 'page', www: www ?? 'www', runs: RUNS, messages: MESSAGES,
    cold_requests: coldLoad.requests, cold_wire_bytes: coldLoad.wire, cold_body_bytes: coldLoad.body,
    warm_requests: warm.requests, warm_wire_bytes: warm.wire,
    first_message_ms: Math.round(median(firsts)), newest_in_view_ms: Math.round(median(newests)),
  };
  console.log(JSON.stringify(result));
  console.log(`page (${result.www}): cold load ${coldLoad.requests} requests, ${(coldLoad.wire / 1024).toFixed(1)} KiB on the wire `
    + `(${(coldLoad.body / 1024).toFixed(1)} KiB of files); a reload ${warm.requests} requests, ${(warm.wire / 1024).toFixed(1)} KiB`);
  console.log(`page (${result.www}): after a reload, first message on screen in ${result.first_message_ms} ms (${spread(firsts)}), `
    + `the newest of ${MESSAGES} in view in ${result.newest_in_view_ms} ms (${spread(newests)}), ${RUNS} runs`);
} finally {
  await browser.close();
  await server.stop();
}
