// class.test.mjs: the page with a real class in it (class.mjs: 30 students online, 40 rooms, a
// long #general), as issue 16's first item found it broken: with more in the sidebar than fits,
// scrolling past the end of the sidebar or the messages scrolled the whole document, the header
// slid away and most of the window went blank; the visually hidden " (online)" and " unread"
// labels, positioned against no ancestor, escaped the sidebar's scroll area and made the
// document 2,722 px tall. Pinned here: the document never scrolls, on a wide screen (light and
// dark) or a phone's drawer; each list scrolls inside itself. Screenshots: class-light.png,
// class-dark.png, class-phone-drawer.png (its top) and class-phone-drawer-end.png.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { seedClass } from './class.mjs';
import { openPage, shot, showSidebar, signIn, useServerAndBrowser } from './harness.mjs';

// One server and one browser for this file, stopped when it ends; the class is seeded once, by
// the first test that needs it (after the server has started), and leaves with the server.
const env = useServerAndBrowser();
let seeding = null;
const theClass = () => (seeding ??= seedClass(env.server));

/** Signs in as the teacher and waits until the whole class is on screen: rooms, people, posts. */
async function teacherPage({ width = 1280, height = 800, colorScheme = 'light' } = {}) {
  const school = await theClass();
  const page = await openPage(env.browser, { width, height, colorScheme });
  await signIn(page, env.server.pageUrl, school.teacher);
  const rooms = school.rooms.length + 1; // and #general
  const online = school.students.length + 1;
  await page.waitForFunction(([rooms, online]) =>
    document.querySelectorAll('#room-list button.conv').length === rooms
    && document.querySelectorAll('[data-testid="person"][data-online="true"]').length === online, [rooms, online]);
  await page.locator('[data-testid="messages"] [data-testid="message"]').nth(20).waitFor();
  return page;
}

/**
 * Scrolls the element under `selector` with the mouse wheel until it is at its top or bottom
 * (`dy` < 0 or > 0), then once more past that end, where a wheel that the list cannot use any
 * more goes on to its ancestors: to the document, if the document can scroll.
 */
async function wheelToEnd(page, selector, dy) {
  const box = await page.locator(selector).boundingBox();
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  const atEnd = (el, down) => (down ? el.scrollTop + el.clientHeight >= el.scrollHeight - 1 : el.scrollTop <= 0);
  const deadline = Date.now() + 15_000;
  while (!(await page.locator(selector).evaluate(atEnd, dy > 0))) {
    assert.ok(Date.now() < deadline, `${selector} never reached its end`);
    await page.mouse.wheel(0, dy);
    await settled(page);
  }
  await page.mouse.wheel(0, dy);
  await settled(page);
}

/** Two animation frames: a wheel's scroll, if any, has been applied by then. */
function settled(page) {
  return page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
}

/** What decides whether the page scrolled away: the document's size and offset, the header's top. */
function documentScroll(page) {
  return page.evaluate(() => ({
    scrollHeight: document.documentElement.scrollHeight,
    innerHeight,
    scrollY,
    headerTop: document.querySelector('.topbar').getBoundingClientRect().top,
  }));
}

function assertDocumentStill(seen, where) {
  assert.ok(seen.scrollHeight <= seen.innerHeight, `${where}: the document is ${seen.scrollHeight} px tall in a ${seen.innerHeight} px window`);
  assert.equal(seen.scrollY, 0, `${where}: the document scrolled`);
  assert.equal(seen.headerTop, 0, `${where}: the header is still at the top`);
}

/**
 * The visually hidden labels in the sidebar that are not where their control is: each must lie
 * inside its button's box (and so scroll, and be clipped, with it). One positioned against the
 * page instead stays behind when the list scrolls, and makes the document as tall as the list.
 */
function strayLabels(page) {
  return page.locator('#sidebar').evaluate((nav) => [...nav.querySelectorAll('.visually-hidden')]
    .filter((label) => label.getClientRects().length > 0) // a hidden badge's label is not drawn
    .map((label) => {
      const box = label.getBoundingClientRect();
      const around = (label.closest('button') ?? nav).getBoundingClientRect();
      const inside = box.top >= around.top && box.bottom <= around.bottom && box.left >= around.left && box.right <= around.right;
      return inside ? null : `"${label.textContent}" at y=${Math.round(box.top)}, its button at y=${Math.round(around.top)}`;
    })
    .filter(Boolean));
}

// At 1280x800, light and dark: scrolling the sidebar and the messages to their ends (and past) moves neither the document nor the header.
test('a class on a wide screen: only the lists scroll', { timeout: 120_000 }, async (t) => {
  for (const colorScheme of ['light', 'dark']) {
    const page = await teacherPage({ colorScheme });
    t.after(() => page.context().close());
    assert.deepEqual(await strayLabels(page), [], 'hidden labels in their buttons (before scrolling)');

    await wheelToEnd(page, '#sidebar', 600);
    assertDocumentStill(await documentScroll(page), `${colorScheme}, sidebar at its end`);
    assert.deepEqual(await strayLabels(page), [], 'hidden labels in their buttons (scrolled)');
    const last = await page.locator('#people-list li').last().boundingBox();
    assert.ok(last.y + last.height <= 800, 'the last person can be scrolled into the window');

    await wheelToEnd(page, '[data-testid="messages"]', -600); // up: older pages may load meanwhile
    await wheelToEnd(page, '[data-testid="messages"]', 600);
    assertDocumentStill(await documentScroll(page), `${colorScheme}, messages at their end`);
    const composer = await page.locator('#composer').boundingBox();
    assert.ok(composer.y + composer.height <= 800, 'the composer stays in the window');
    await shot(page, `class-${colorScheme}.png`);
    assert.deepEqual(page.problems, []);
  }
});

// On a 360x740 phone, the drawer with 40 rooms and 31 people scrolls inside itself; the page behind it does not move.
test('a class in the phone drawer', { timeout: 60_000 }, async (t) => {
  const page = await teacherPage({ width: 360, height: 740 });
  t.after(() => page.context().close());
  await showSidebar(page);
  await page.locator('#sidebar.open').evaluate((nav) => Promise.all(nav.getAnimations().map((a) => a.finished)));
  await shot(page, 'class-phone-drawer.png');
  await wheelToEnd(page, '#sidebar', 600);
  assertDocumentStill(await documentScroll(page), 'phone, drawer at its end');
  assert.deepEqual(await strayLabels(page), [], 'hidden labels in their buttons (drawer)');
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 360), 'no sideways scroll');
  await page.mouse.move(340, 400); // off the list, over the backdrop: no entry drawn as hovered
  await shot(page, 'class-phone-drawer-end.png');
  await page.keyboard.press('Escape');
  await page.getByTestId('sidebar').waitFor({ state: 'hidden' });
  assertDocumentStill(await documentScroll(page), 'phone, drawer closed');
  assert.deepEqual(page.problems, []);
});
