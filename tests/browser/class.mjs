// class.mjs: a real class for the layout tests to live in: a teacher, 30 students online, 40
// rooms the teacher is in, and a #general long enough to scroll. Seeded from Node, not through
// browser pages: accounts with POST /api/register (server.mjs's fetch), then one WebSocket per
// person (wsclient.mjs) that says `create`, `join` and `send`, as any client of docs/PROTOCOL.md
// would. The students' sockets stay open until close(), so they are online meanwhile.
//
// The server paces room changes (create, join, leave: 10 at once, then 1 a second per user) and
// lets one user create 10 rooms a day. So the rooms are created by four students, 10 each, at
// once; the teacher then joins all 40, which the pace makes take about 30 s (its 10 at once, then
// one a second, waiting as long as each refusal says). The posts are spread over students too
// (3 each: under --send-burst) and go out while the teacher is still joining.

import { PASSWORD, WAIT_MS } from './harness.mjs';
import { openSocket } from './wsclient.mjs';

/** Forty room names, as a school would have them: sorted, they fill the sidebar's Rooms list. */
export const ROOM_NAMES = [
  'algebra', 'art', 'astronomy', 'biology', 'book-club', 'calculus', 'chemistry', 'chess',
  'choir', 'coding', 'debate', 'drama', 'economics', 'english', 'essay-help', 'exam-prep',
  'french', 'geography', 'geometry', 'german', 'history', 'homework', 'latin', 'library',
  'lunch', 'maths', 'music', 'philosophy', 'photography', 'physics', 'poetry', 'projects',
  'robotics', 'science-fair', 'spanish', 'sports', 'statistics', 'trip-2027', 'volunteering',
  'yearbook',
];

const FIRST_NAMES = [
  'amir', 'bea', 'cato', 'dana', 'eli', 'farah', 'gus', 'hana', 'ivo', 'jade', 'kofi', 'lena',
  'milo', 'nadia', 'oscar', 'priya', 'quinn', 'rosa', 'sami', 'tara', 'umar', 'vera', 'wes',
  'xena', 'yusuf', 'zara', 'anouk', 'bruno', 'chloe', 'dev',
];

const ROOMS_PER_CREATOR = 10; // --max-rooms-per-day's default: all at once
const POSTS_PER_STUDENT = 3;
const POSTERS = 20; // 60 posts in #general: several screens of them

/**
 * Seeds `server` with the class; resolves to { teacher, students, rooms, close() }. The teacher's
 * password is harness.mjs's PASSWORD, so a page can sign in as them. `teacher` names the account
 * (each call on one server needs its own names: `prefix` goes before each student's name).
 */
export async function seedClass(server, { teacher = 'teacher', prefix = '', students = 30, rooms = 40 } = {}) {
  const studentNames = FIRST_NAMES.slice(0, students).map((name) => prefix + name);
  const roomNames = ROOM_NAMES.slice(0, rooms).map((name) => prefix + name);
  const tokens = await Promise.all([teacher, ...studentNames].map((name) => registerAccount(server, name)));
  const sockets = await Promise.all(tokens.map(async (token) => welcomed(await openSocket(server.wsPort, token))));
  const [teacherSocket, ...studentSockets] = sockets;
  const close = () => sockets.forEach((socket) => socket.close());
  try {
    const creators = Math.ceil(roomNames.length / ROOMS_PER_CREATOR);
    await Promise.all(studentSockets.slice(0, creators).map((socket, i) =>
      changeRooms(socket, 'create', roomNames.slice(i * ROOMS_PER_CREATOR, (i + 1) * ROOMS_PER_CREATOR))));
    await Promise.all([
      changeRooms(teacherSocket, 'join', roomNames),
      ...studentSockets.slice(0, POSTERS).map((socket, i) => post(socket, i)),
    ]);
  } catch (err) {
    close();
    throw err;
  }
  teacherSocket.close(); // the teacher comes in through the page
  return { teacher, students: studentNames, rooms: roomNames, close };
}

/** Registers `name` (with PASSWORD) and returns its session token. */
async function registerAccount(server, name) {
  const response = await fetch(new URL('/api/register', server.pageUrl), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ name, password: PASSWORD }),
    signal: AbortSignal.timeout(WAIT_MS),
  });
  if (response.status !== 201) throw new Error(`registering ${name}: HTTP ${response.status} ${await response.text()}`);
  return (await response.json()).token;
}

/** Waits for the socket's `welcome`; resolves to the socket, with its name as `you`. */
async function welcomed(socket) {
  const welcome = await socket.next((frame) => frame.type === 'welcome' || frame.type === 'error');
  if (welcome.type === 'error') throw new Error(`refused: ${JSON.stringify(welcome)}`);
  socket.you = welcome.you;
  return socket;
}

/**
 * `create`s or `join`s each room in turn, waiting for its `joined`. A `rate_limited` refusal
 * ("slow down: try again in 840 ms") is waited out as it says, then the frame is sent again.
 */
async function changeRooms(socket, type, rooms) {
  const paceMs = (frame) => Number(/try again in (\d+) ms/.exec(frame.message)?.[1]);
  for (const room of rooms) {
    for (;;) {
      socket.send({ type, room });
      const answer = await socket.next((frame) => (frame.type === 'joined' && frame.room === room && frame.user === socket.you)
        || frame.type === 'error', WAIT_MS);
      if (answer.type === 'joined') break;
      if (answer.code !== 'rate_limited' || !(paceMs(answer) >= 0)) throw new Error(`${type} ${room}: ${JSON.stringify(answer)}`);
      await new Promise((resolve) => setTimeout(resolve, paceMs(answer))); // the server's own word on when
    }
    socket.drop(); // others' joins, presence: nobody will ask for them
  }
}

/** The student number `i` says a few things in #general; resolves once each is acknowledged. */
async function post(socket, i) {
  for (let n = 1; n <= POSTS_PER_STUDENT; n++) {
    const id = `class-${i}-${n}`;
    socket.send({ type: 'send', room: 'general', id, text: CHATTER[(i * POSTS_PER_STUDENT + n) % CHATTER.length] });
    const answer = await socket.next((frame) => frame.id === id, WAIT_MS);
    if (answer.type !== 'message') throw new Error(`posting ${id}: ${JSON.stringify(answer)}`);
  }
}

const CHATTER = [
  'good morning everyone!',
  'is the homework for chapter 4 or 5?',
  'chapter 5, exercises 1 to 12',
  'does anyone have the slides from Tuesday?',
  'they are in the projects room',
  'can we use calculators in the test?',
  'I think only for part two',
  'thanks!',
  'who is in my group for the lab report?',
  'the trip form is due on Friday, do not forget',
  'my internet dropped, did I miss anything?',
  'we are on page 112 now',
];
