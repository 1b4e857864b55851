// limit.test.mjs: www/limit.js on its own, in Node (no browser): the note under the message box
// counts what the server counts (UTF-8 bytes) and says it in characters as a reader sees them.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { measure } from '../../www/limit.js';

const FAMILY = '👨‍👩‍👧'; // five code points joined into one character, 18 bytes

// Far from the limit nothing is said; from 90% on, what is left.
test('far from the limit: no note; near it: the characters left', () => {
  assert.deepEqual(measure('a'.repeat(89), 100), { tooLong: false, note: '' });
  assert.deepEqual(measure('a'.repeat(90), 100), { tooLong: false, note: '10 characters left' });
  assert.deepEqual(measure('a'.repeat(99), 100), { tooLong: false, note: '1 character left' });
  assert.deepEqual(measure('a'.repeat(100), 100), { tooLong: false, note: '0 characters left' });
});

// Characters left are counted in characters like those written: 10 bytes are 5 more é.
test('characters left, in the kind of characters written', () => {
  assert.equal(measure('é'.repeat(45), 100).note, '5 characters left');
});

// Too many: exactly how many characters at the end must go, whatever their size.
test('over the limit: the characters too many, counted from the end', () => {
  assert.deepEqual(measure('a'.repeat(137), 100), { tooLong: true, note: '37 characters too many' });
  assert.equal(measure('é'.repeat(51), 100).note, '1 character too many');
  assert.equal(measure(`${'a'.repeat(95)}${FAMILY}`, 100).note, '1 character too many', 'an emoji family is one character');
});
