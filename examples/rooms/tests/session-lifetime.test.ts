import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { freshDatabase, startAll, startApp, type RunningApp } from './support/app.js';
import { launchBrowser, messageTexts, openRoom, sendMessage, signIn } from './support/browser.js';
import { openRaw, type RawSocket } from '../../../packages/liverpc/test/support/raw-engine-socket.js';
import { sessionCookie } from './support/session.js';

// Connection lifetime (#19): a session deleted in the store without revoke() used to leave
// the open socket acting as its user for as long as it stayed up (6/6 events received, 6/6
// sends stored, leave + re-join accepted). The socket hook returns the session's expiry as
// `expires`, and `limits.localsMaxAge` (LOCALS_MAX_AGE here: 1 s, so this runs in seconds;
// 5 minutes by default) bounds how long its locals hold: then the hook runs again on the
// open connection, finds no session, and the chat's guard refuses the anonymous locals.

const LOCALS_MAX_AGE = 1000;
const CHAT = 'rooms/[roomId]/chat';
const ACME_GENERAL = { roomId: 'acme-general' };

describe('a session deleted in the store, with no revoke() (node build)', () => {
	const database = freshDatabase();
	let app: RunningApp;
	let browser: Browser;
	const opened: RawSocket[] = [];

	beforeAll(async () => {
		await startAll([
			startApp('build', { ...database, env: { LOCALS_MAX_AGE: String(LOCALS_MAX_AGE) } }).then((started) => (app = started)),
			launchBrowser().then((launched) => (browser = launched))
		]);
	});
	afterEach(() => {
		for (const socket of opened.splice(0)) socket.close();
	});
	afterAll(async () => {
		await browser?.close();
		await app?.stop();
		database.remove();
	});

	/** Runs SQL on the app's SQLite file, as an admin (or a session sweeper) would: no revoke(). */
	function sql<T>(run: (db: Database.Database) => T): T {
		const db = new Database(database.databasePath, { fileMustExist: true });
		try {
			return run(db);
		} finally {
			db.close();
		}
	}

	async function raw(cookie: string): Promise<RawSocket> {
		const socket = await openRaw(app.url, { cookie });
		opened.push(socket);
		expect(await socket.connect()).toMatch(/^40\{"sid"/);
		return socket;
	}

	it("shows the open tab '401 Sign in to chat' within localsMaxAge and refuses its sends, while a valid session's tab notices nothing", async () => {
		const alice = await signIn(await browser.newContext(), app.url, 'alice');
		await openRoom(alice, app.url, 'acme-general');
		const bob = await signIn(await browser.newContext(), app.url, 'bob');
		await openRoom(bob, app.url, 'acme-general');
		for (const page of [alice, bob]) await page.evaluate(() => ((window as { stayed?: boolean }).stayed = true));

		// Several re-checks of both sessions while they are valid: nothing to see.
		await new Promise((resolve) => setTimeout(resolve, 3 * LOCALS_MAX_AGE));
		await sendMessage(alice, 'alice, still signed in');
		await bob.getByTestId('message').filter({ hasText: 'alice, still signed in' }).waitFor({ timeout: 5000 });
		expect(await alice.getByTestId('room-status').innerText()).toBe('joined');

		const deletedAt = Date.now();
		const deleted = sql((db) => db.prepare("DELETE FROM sessions WHERE user_id = 'alice'").run().changes);
		expect(deleted).toBe(1);
		await alice.getByTestId('room-status').filter({ hasText: 'rejected' }).waitFor({ timeout: 5000 });
		const refusedAfter = Date.now() - deletedAt;
		console.log(`[session-lifetime] deleted session refused after ${refusedAfter} ms (localsMaxAge ${LOCALS_MAX_AGE} ms)`);
		expect(refusedAfter).toBeLessThan(LOCALS_MAX_AGE + 2000);
		expect(await alice.getByTestId('room-error').innerText()).toBe('401 Sign in to chat');
		// Without a reload, and over the same connection: the room, not the connection, refuses.
		expect(await alice.evaluate(() => (window as { stayed?: boolean }).stayed)).toBe(true);
		expect(await alice.getByTestId('connection-status').innerText()).toBe('connected');

		// Her sends are refused, and nothing of hers is stored any more.
		await sendMessage(alice, 'alice, after her session was deleted');
		await alice.getByTestId('send-error').filter({ hasText: '401 Sign in to chat' }).waitFor({ timeout: 5000 });
		await sendMessage(bob, 'bob, after alice was refused');
		await bob.getByTestId('message').filter({ hasText: 'bob, after alice was refused' }).waitFor({ timeout: 5000 });
		await new Promise((resolve) => setTimeout(resolve, 300));
		expect(await messageTexts(alice)).not.toContain('Bob: bob, after alice was refused');
		const stored = sql((db) => db.prepare("SELECT count(*) AS n FROM messages WHERE text = 'alice, after her session was deleted'").get() as { n: number });
		expect(stored.n).toBe(0);

		// Bob's session is still valid: re-checked several times, his tab noticed nothing.
		expect(await bob.getByTestId('room-status').innerText()).toBe('joined');
		expect(await bob.getByTestId('connection-status').innerText()).toBe('connected');
		expect(await bob.evaluate(() => (window as { stayed?: boolean }).stayed)).toBe(true);
		expect(await bob.getByTestId('room-error').count()).toBe(0);
	});

	it('ends the membership of a raw client that ignores the refusal: its calls and re-joins are refused, and nothing is stored', async () => {
		const bob = await sessionCookie(app.url, 'bob');
		const socket = await raw(bob);
		const [problem, joined] = (await socket.ask('j', CHAT, ACME_GENERAL)) as [unknown, { ref: number; room: string }];
		expect(problem).toBeNull();
		const [sendProblem] = await socket.ask('c', joined.ref, 'send', { text: 'raw bob, signed in' }, 1, 0);
		expect(sendProblem).toBeNull();

		const deletedAt = Date.now();
		sql((db) => db.prepare("DELETE FROM sessions WHERE user_id = 'bob'").run());
		const ended = await socket.next((frame) => frame.startsWith('42["x"'), LOCALS_MAX_AGE + 3000);
		const refusedAfter = Date.now() - deletedAt;
		console.log(`[session-lifetime] raw client told of the refusal after ${refusedAfter} ms`);
		expect(JSON.parse(ended.slice(2))).toEqual(['x', joined.room, { status: 401, message: 'Sign in to chat' }]);

		// It ignores that and carries on: a call on its old membership, and a re-join.
		const [callProblem, output] = await socket.ask('c', joined.ref, 'send', { text: 'raw bob, after his session was deleted' }, 2, 0);
		expect(output).toBeUndefined();
		expect(callProblem).toMatchObject({ status: 404 });
		const [joinProblem] = await socket.ask('j', CHAT, ACME_GENERAL);
		expect(joinProblem).toEqual({ status: 401, message: 'Sign in to chat' });
		const stored = sql((db) => db.prepare("SELECT count(*) AS n FROM messages WHERE text = 'raw bob, after his session was deleted'").get() as { n: number });
		expect(stored.n).toBe(0);
	});
});
