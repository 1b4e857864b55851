// limit.js: how a text being written stands against the server's limit, in words for the person
// writing it. Pure: no DOM, no state.
//
// The server counts UTF-8 bytes (/api/info's `max_text_bytes`, PROTOCOL.md §4 `send`), and people
// count characters, which are 1 to 4 bytes each (an emoji family, several code points drawn as one,
// even more). So the page counts what the server counts and says it in characters:
//   - over the limit: how many characters at the end would have to go for the rest to fit. Exact.
//   - near it (NEAR of the limit used): how many more characters like the ones written so far fit,
//     that is the bytes left divided by the text's bytes per character. Exact for plain ASCII (or
//     any text of one script); for a mix, an estimate that the "too many" count above corrects.
// A "character" is what the reader sees as one (a grapheme, through Intl.Segmenter where the
// browser has it; else a code point).

export const NEAR = 0.9;

const encoder = new TextEncoder();
const segmenter = typeof Intl.Segmenter === 'function' ? new Intl.Segmenter(undefined, { granularity: 'grapheme' }) : null;

/** The text's length as the server counts it. */
export const bytesOf = (text) => encoder.encode(text).length;

const charactersOf = (text) => (segmenter ? Array.from(segmenter.segment(text), (s) => s.segment) : [...text]);
const count = (n) => `${n} character${n === 1 ? '' : 's'}`;

/**
 * `text` against a limit of `maxBytes`: { tooLong, note }, where note is what to show under the
 * box ('' while the text is far from the limit): "120 characters left", "37 characters too many".
 */
export function measure(text, maxBytes) {
  const bytes = bytesOf(text);
  if (bytes < maxBytes * NEAR) return { tooLong: false, note: '' };
  const characters = charactersOf(text);
  if (bytes > maxBytes) {
    let over = 0;
    for (let excess = bytes - maxBytes; excess > 0; over += 1) {
      excess -= bytesOf(characters[characters.length - 1 - over]);
    }
    return { tooLong: true, note: `${count(over)} too many` };
  }
  const left = Math.floor(((maxBytes - bytes) * characters.length) / bytes);
  return { tooLong: false, note: `${count(left)} left` };
}
