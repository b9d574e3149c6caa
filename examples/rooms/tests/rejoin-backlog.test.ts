import Database from 'better-sqlite3';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { freshDatabase, startApp, type RunningApp } from './support/app.js';
import { openRaw } from '../../../packages/liverpc/test/support/raw-engine-socket.js';
import { sessionCookie } from './support/session.js';

// Issue #19: bob re-joined acme-ops with a `resume` naming a message 2,000 back and a
// 75-byte JOIN got a 4.3 MB reply, within the join rate. Against `node build`, with 2,001
// messages of 2,000 characters stored after the member's last: the reply holds the newest
// messages, at most LiveRPC's `maxJoinEvents` (500) and `maxJoinBytes` (1 MiB), and says
// `resumed: false`; the example's `messages.since()` is handed that limit as `limit`.

const database = freshDatabase();
let app: RunningApp;

beforeAll(async () => {
	app = await startApp('build', database);
});
afterAll(async () => {
	await app?.stop();
	database.remove();
});

/** Stores `count` messages in a room as another process would: straight into SQLite. */
function store(roomId: string, count: number): number[] {
	const db = new Database(database.databasePath, { fileMustExist: true });
	try {
		const insert = db.prepare('INSERT INTO messages (room_id, user_id, text, created_at) VALUES (?, ?, ?, ?)');
		const ids: number[] = [];
		db.transaction(() => {
			for (let n = 0; n < count; n++) ids.push(Number(insert.run(roomId, 'alice', 'x'.repeat(2000), new Date().toISOString()).lastInsertRowid));
		})();
		return ids;
	} finally {
		db.close();
	}
}

type Ack = { resumed: boolean; events: [string, { id: number }, number, number?][] };

it('answers a re-join naming a message 2,000 back with the newest 500 in at most 1 MiB, and resumed false', async () => {
	const cookie = await sessionCookie(app.url, 'bob'); // the app has made its database by then
	const [last, ...missed] = store('acme-ops', 2001);
	const socket = await openRaw(app.url, { cookie });
	try {
		expect(await socket.connect()).toMatch(/^40\{"sid"/);
		const before = socket.received.bytes;
		const [problem, ack] = (await socket.ask('j', 'rooms/[roomId]/chat', { roomId: 'acme-ops' }, ['elsewhere.1', 7, { message: last }])) as [
			unknown,
			Ack
		];
		expect(problem).toBeNull();
		expect(ack.resumed).toBe(false);
		const ids = ack.events.map(([, message]) => message.id);
		// The newest, consecutive up to the last stored: what a page shows with its gap notice.
		expect(ids.at(-1)).toBe(missed.at(-1));
		expect(ids).toEqual(missed.slice(-ids.length));
		expect(ids.length).toBeGreaterThan(400);
		expect(ids.length).toBeLessThanOrEqual(500);
		// 4.3 MB before #19.
		expect(socket.received.bytes - before).toBeLessThan(1_100_000);
	} finally {
		socket.close();
	}
});
