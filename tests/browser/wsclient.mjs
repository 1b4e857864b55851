// wsclient.mjs: a small WebSocket client for Node 20 (which has no global WebSocket), so that a
// test can be many people at once without a browser page each: class.mjs seeds a class with it.
//
// It speaks just what threadchat's server needs from a client (RFC 6455): the upgrade with an
// `Authorization: Bearer TOKEN` header (no Origin, like any non-browser client), masked text
// frames out, text frames in (unmasked, as a server sends them; fragments joined), a Pong for
// each Ping, and Close. Each text frame is parsed as JSON and kept until someone asks for it with
// next(), which has a deadline like every wait in these tests.

import { createHash, randomBytes } from 'node:crypto';
import { connect } from 'node:net';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11'; // RFC 6455's constant for the accept key
const OP = { continuation: 0, text: 1, close: 8, ping: 9, pong: 10 };

/** Opens ws://127.0.0.1:port/ as the holder of `token`; resolves once the upgrade is answered. */
export function openSocket(port, token, { timeoutMs = 10_000 } = {}) {
  return new Promise((resolve, reject) => {
    const key = randomBytes(16).toString('base64');
    const tcp = connect(port, '127.0.0.1');
    const timer = setTimeout(() => fail(new Error(`no upgrade within ${timeoutMs} ms`)), timeoutMs);
    const fail = (err) => {
      clearTimeout(timer);
      tcp.destroy();
      reject(err);
    };
    tcp.once('error', fail);
    tcp.once('connect', () => tcp.write([
      'GET / HTTP/1.1', `Host: 127.0.0.1:${port}`, 'Upgrade: websocket', 'Connection: Upgrade',
      `Sec-WebSocket-Key: ${key}`, 'Sec-WebSocket-Version: 13', `Authorization: Bearer ${token}`, '', '',
    ].join('\r\n')));
    let head = Buffer.alloc(0);
    const onHead = (chunk) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      tcp.off('data', onHead);
      const lines = head.subarray(0, end).toString('latin1').split('\r\n');
      const accept = createHash('sha1').update(key + GUID).digest('base64');
      if (!/^HTTP\/1\.1 101 /.test(lines[0]) || !lines.some((l) => l.toLowerCase() === `sec-websocket-accept: ${accept.toLowerCase()}`)) {
        return fail(new Error(`upgrade refused: ${lines[0]}`));
      }
      clearTimeout(timer);
      tcp.off('error', fail);
      resolve(new Socket(tcp, head.subarray(end + 4)));
    };
    tcp.on('data', onHead);
  });
}

/** One open connection: send(frame), next(test), close(). */
class Socket {
  constructor(tcp, rest) {
    this.tcp = tcp;
    this.buffer = Buffer.alloc(0);
    this.fragments = [];
    this.frames = []; // parsed frames nobody has asked for yet
    this.waiters = []; // { test, resolve, reject, timer }
    this.closed = false;
    tcp.on('data', (chunk) => this.receive(chunk));
    tcp.on('close', () => this.end(new Error('the connection closed')));
    tcp.on('error', () => {}); // 'close' follows and says it
    if (rest.length) this.receive(rest);
  }

  /** Sends `frame` as JSON in one masked text frame. */
  send(frame) {
    this.write(OP.text, Buffer.from(JSON.stringify(frame)));
  }

  /**
   * Resolves with the first frame (kept or still to come) for which `test(frame)` is true, and
   * removes it from the kept ones; rejects after `timeoutMs`, or if the connection ends.
   */
  next(test, timeoutMs = 15_000) {
    const at = this.frames.findIndex(test);
    if (at >= 0) return Promise.resolve(this.frames.splice(at, 1)[0]);
    if (this.closed) return Promise.reject(new Error('the connection is closed'));
    return new Promise((resolve, reject) => {
      const waiter = { test, resolve, reject };
      waiter.timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(new Error(`no such frame within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** Forgets the frames kept so far (a seeding client does not care about most of them). */
  drop() {
    this.frames.length = 0;
  }

  close() {
    if (!this.closed) this.write(OP.close, Buffer.from([0x03, 0xe8])); // 1000: normal
    this.tcp.end();
  }

  write(opcode, payload) {
    const mask = randomBytes(4);
    const length = payload.length;
    const head = length < 126 ? Buffer.from([0x80 | opcode, 0x80 | length])
      : length < 65536 ? Buffer.from([0x80 | opcode, 0x80 | 126, length >> 8, length & 255])
        : Buffer.concat([Buffer.from([0x80 | opcode, 0x80 | 127]), bigEndian64(length)]);
    const body = Buffer.from(payload.map((byte, i) => byte ^ mask[i % 4]));
    this.tcp.write(Buffer.concat([head, mask, body]));
  }

  receive(chunk) {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const frame = parseFrame(this.buffer);
      if (!frame) return;
      this.buffer = this.buffer.subarray(frame.size);
      this.handle(frame);
    }
  }

  handle({ fin, opcode, payload }) {
    if (opcode === OP.ping) return this.write(OP.pong, payload);
    if (opcode === OP.close) {
      this.closed = true;
      return this.tcp.end();
    }
    if (opcode !== OP.text && opcode !== OP.continuation) return;
    this.fragments.push(payload);
    if (!fin) return;
    const frame = JSON.parse(Buffer.concat(this.fragments).toString('utf8'));
    this.fragments = [];
    const waiter = this.waiters.find((w) => w.test(frame));
    if (!waiter) return this.frames.push(frame);
    this.waiters.splice(this.waiters.indexOf(waiter), 1);
    clearTimeout(waiter.timer);
    waiter.resolve(frame);
  }

  end(err) {
    this.closed = true;
    for (const waiter of this.waiters.splice(0)) {
      clearTimeout(waiter.timer);
      waiter.reject(err);
    }
  }
}

/** One frame from the front of `buffer` ({ fin, opcode, payload, size }), or null if incomplete. */
function parseFrame(buffer) {
  if (buffer.length < 2) return null;
  const fin = (buffer[0] & 0x80) !== 0;
  const opcode = buffer[0] & 0x0f;
  let length = buffer[1] & 0x7f;
  let at = 2;
  if (length === 126) {
    if (buffer.length < 4) return null;
    length = buffer.readUInt16BE(2);
    at = 4;
  } else if (length === 127) {
    if (buffer.length < 10) return null;
    length = Number(buffer.readBigUInt64BE(2));
    at = 10;
  }
  if (buffer.length < at + length) return null; // a server's frames are never masked
  return { fin, opcode, payload: buffer.subarray(at, at + length), size: at + length };
}

function bigEndian64(n) {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  return b;
}
