// text.js: a message's text as page nodes: plain text, `http(s)://` links that open in a new tab,
// and a mark on `@you`. Built as elements whose text goes in through textContent only, so a
// message can never inject markup; a link's address is the text itself, checked to be http(s).

const URL_OR_MENTION = /https?:\/\/[^\s<>"]+|@[\p{L}\p{N}_-]+/gu;
// Punctuation that ends a sentence, not an address: "see https://x.org/a." links https://x.org/a.
const TRAILING = /[.,;:!?'")\]}]+$/u;

function linkFor(address) {
  let url;
  try {
    url = new URL(address);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  const a = document.createElement('a');
  a.href = url.href;
  a.textContent = address;
  a.target = '_blank';
  a.rel = 'noopener noreferrer';
  return a;
}

/** A closing bracket is part of the address when the address also opened one (Wikipedia's). */
function trimAddress(match) {
  let address = match.replace(TRAILING, '');
  const rest = match.slice(address.length);
  if (rest.startsWith(')') && address.includes('(')) address += ')';
  return address;
}

/**
 * `text` as nodes to append; `isMe(name)` says whether an @-mention names the reader (the page's
 * rule for names, as me.js has it), so that only the reader's own mentions are marked.
 */
export function textNodes(text, isMe = () => false) {
  const nodes = [];
  let from = 0;
  for (const match of text.matchAll(URL_OR_MENTION)) {
    let node = null;
    let length = match[0].length;
    if (match[0].startsWith('@')) {
      if (isMe(match[0].slice(1))) {
        node = document.createElement('mark');
        node.className = 'mention';
        node.textContent = match[0];
      }
    } else {
      const address = trimAddress(match[0]);
      length = address.length;
      node = linkFor(address);
    }
    if (!node) continue;
    if (match.index > from) nodes.push(document.createTextNode(text.slice(from, match.index)));
    nodes.push(node);
    from = match.index + length;
  }
  if (from < text.length) nodes.push(document.createTextNode(text.slice(from)));
  return nodes;
}

/** Whether `text` mentions the reader. */
export const mentions = (text, isMe) =>
  [...text.matchAll(URL_OR_MENTION)].some((m) => m[0].startsWith('@') && isMe(m[0].slice(1)));
