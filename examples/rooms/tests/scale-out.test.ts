import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startRedis, type RedisServer } from '../../../packages/liverpc/test/support/redis-server.js';
import { freshDatabase, startAll, startApp, type RunningApp } from './support/app.js';
import { launchBrowser, messageTexts, openRoom, sendMessage, signIn } from './support/browser.js';
import { proxyHeaders } from './support/generation.js';
import { sessionCookie } from './support/session.js';

/** The resident memory of a process, from /proc. */
function rssKilobytes(pid: number): number {
	return Number(/^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
}

/** Sends a message through the page's form and waits for its answer (the input empties). */
async function sendAndWait(page: Page, text: string): Promise<void> {
	await sendMessage(page, text);
	await page.waitForFunction(() => (document.querySelector('[data-testid="message-input"]') as HTMLInputElement | null)?.value === '', undefined, { timeout: 10_000 });
}

// #12, must-show 1: two `node build` processes of this app on one redis-server (REDIS_URL),
// sharing one SQLite file, each on its own port; a tab on each.
describe('two node build processes on Redis', () => {
	const database = freshDatabase();
	let redis: RedisServer;
	let one: RunningApp;
	let two: RunningApp;
	let browser: Browser;
	beforeAll(async () => {
		redis = await startRedis();
		const env = { REDIS_URL: redis.url };
		await startAll([
			startApp('build', { databasePath: database.databasePath, env }).then((app) => (one = app)),
			startApp('build', { databasePath: database.databasePath, env }).then((app) => (two = app)),
			launchBrowser().then((launched) => (browser = launched))
		]);
	});
	afterAll(async () => {
		await browser?.close();
		await Promise.all([one?.stop(), two?.stop()]);
		await redis?.close();
		database.remove();
	});

	it('chat both ways, show both users on each, carry a form action to the other process, and sign-out cuts a tab on the other process', async () => {
		const aliceContext = await browser.newContext();
		const alice = await signIn(aliceContext, one.url, 'alice');
		const bobContext = await browser.newContext();
		const bob = await signIn(bobContext, two.url, 'bob');
		await openRoom(alice, one.url, 'acme-general');
		await openRoom(bob, two.url, 'acme-general');

		// Presence: each process shows both users.
		await alice.getByTestId('presence').filter({ hasText: /^Alice, Bob$/ }).waitFor();
		await bob.getByTestId('presence').filter({ hasText: /^Alice, Bob$/ }).waitFor();

		// Chat both ways across the processes.
		await sendMessage(alice, 'from process one');
		await bob.getByTestId('message').filter({ hasText: 'from process one' }).waitFor();
		await sendMessage(bob, 'from process two');
		await alice.getByTestId('message').filter({ hasText: 'from process two' }).waitFor();

		// The send form action, posted to process one without JavaScript, reaches bob's tab on two.
		const session = (await aliceContext.cookies()).find((cookie) => cookie.name === 'session')!;
		const posted = await fetch(`${one.url}/rooms/acme-general?/send`, {
			method: 'POST',
			redirect: 'manual',
			headers: { origin: one.url, cookie: `session=${session.value}`, 'content-type': 'application/x-www-form-urlencoded', ...proxyHeaders },
			body: new URLSearchParams({ text: 'posted to process one', key: 'scale-out-form-1' })
		});
		expect(posted.status).toBeLessThan(400);
		await bob.getByTestId('message').filter({ hasText: 'posted to process one' }).waitFor();
		expect(await messageTexts(bob)).toEqual(['Alice: from process one', 'Bob: from process two', 'Alice: posted to process one']);

		// Bob signs out on process one (his cookie is good on both ports): his tab on process
		// two is cut at once, reconnects anonymous and the room refuses it.
		const bobOnOne = await bobContext.newPage();
		await bobOnOne.goto(`${one.url}/rooms`);
		const signedOutAt = Date.now();
		await Promise.all([bobOnOne.waitForURL(`${one.url}/`), bobOnOne.click('form[action="/logout"] button')]);
		await bob.getByTestId('room-status').filter({ hasText: 'rejected' }).waitFor({ timeout: 5000 });
		expect(Date.now() - signedOutAt).toBeLessThan(5000);
		expect(await bob.getByTestId('room-error').innerText()).toBe('401 Sign in to chat');
		await alice.getByTestId('presence').filter({ hasText: /^Alice$/ }).waitFor();
	});

	// Must-show 3: Redis restarts, empty, while both processes chat. Redis decides each room's
	// order, so while it is away no tab sees a new message live, not even a tab on the
	// process that stored it; the sends still succeed (SQLite first), their events wait in
	// order in each process, and once Redis is back every tab shows what the database has.
	it('delivers nothing live while Redis is down, then every tab shows what the database has', async () => {
		const carolOne = await signIn(await browser.newContext(), one.url, 'carol');
		const carolTwo = await signIn(await browser.newContext(), two.url, 'carol');
		await openRoom(carolOne, one.url, 'globex-general');
		await openRoom(carolTwo, two.url, 'globex-general');
		const secondTabOnOne = await carolOne.context().newPage();
		await openRoom(secondTabOnOne, one.url, 'globex-general');
		const tabs = [carolOne, secondTabOnOne, carolTwo];
		await sendMessage(carolTwo, 'before the restart');
		for (const tab of tabs) await tab.getByTestId('message').filter({ hasText: 'before the restart' }).waitFor();

		await redis.stop();
		// Both sends are answered (stored in SQLite) though Redis is down...
		await sendAndWait(carolOne, 'sent on one while Redis is down');
		await sendAndWait(carolTwo, 'sent on two while Redis is down');
		// ...and no tab sees the other's, the other tab on the sender's own process included:
		// only the sender's tab lists its own, shown when it was sent and kept once answered.
		await new Promise((resolve) => setTimeout(resolve, 1500));
		expect(await messageTexts(carolOne)).toEqual(['Carol: before the restart', 'Carol: sent on one while Redis is down']);
		expect(await messageTexts(secondTabOnOne)).toEqual(['Carol: before the restart']);
		expect(await messageTexts(carolTwo)).toEqual(['Carol: before the restart', 'Carol: sent on two while Redis is down']);
		await redis.start();

		// Across again once it is back, both ways.
		await sendMessage(carolTwo, 'after the restart');
		await sendMessage(carolOne, 'and back');
		const stored = () => {
			const db = new Database(database.databasePath, { readonly: true });
			try {
				const rows = db.prepare("SELECT text FROM messages WHERE room_id = 'globex-general' ORDER BY id").all() as Array<{ text: string }>;
				return rows.map((row) => `Carol: ${row.text}`);
			} finally {
				db.close();
			}
		};
		// Every message acknowledged to a sender is in SQLite, once.
		await expect.poll(() => stored().length, { timeout: 10_000 }).toBe(5);
		expect(stored().slice(0, 3)).toEqual(['Carol: before the restart', 'Carol: sent on one while Redis is down', 'Carol: sent on two while Redis is down']);
		expect(stored().slice(3).sort()).toEqual(['Carol: after the restart', 'Carol: and back'].sort());
		// Every tab shows the database's list, in its order: what waited in a process went to
		// Redis when it was back, and Redis came back empty, so each room's log got a new epoch
		// and its members filled the gap from the `history` of the event.
		for (const tab of tabs) {
			await expect
				.poll(() => messageTexts(tab), { timeout: 20_000 })
				.toEqual(stored())
				.catch((problem) => {
					console.log('ONE', one.output(), 'TWO', two.output());
					throw problem;
				});
		}
		expect(one.running() && two.running()).toBe(true);
	});

	// Revocation by key (#18): a sign-out on process one reaches process two through Redis, and
	// there it ends the user's connections by their key, whatever else is connected: here 1,000
	// idle connections, each with a 4 kB `auth` (released after the hook; a larger one is
	// refused since #19, maxAuthBytes), half of them bob's.
	it('cuts a signed-out tab on the other process within a second, with 1,000 idle connections carrying a 4 kB auth there', async () => {
		const aliceContext = await browser.newContext();
		const aliceOne = await signIn(aliceContext, one.url, 'alice');
		const aliceTwo = await aliceContext.newPage();
		await openRoom(aliceTwo, two.url, 'acme-general');

		const bobCookie = await sessionCookie(two.url, 'bob');
		const padding = 'x'.repeat(4000);
		const idle: Socket[] = [];
		const rssBefore = rssKilobytes(two.pid);
		const openedAt = Date.now();
		try {
			for (let batch = 0; batch < 1000; batch += 100) {
				const opened = Array.from({ length: 100 }, (_, i) => {
					const socket = io(two.url, {
						path: '/_liverpc',
						transports: ['websocket'],
						reconnection: false,
						forceNew: true,
						extraHeaders: { origin: two.url, ...((batch + i) % 2 === 0 ? { cookie: bobCookie } : {}) },
						auth: { k: randomBytes(16).toString('base64url'), padding }
					});
					idle.push(socket);
					return new Promise<void>((resolve, reject) => {
						socket.once('connect', () => resolve());
						socket.once('connect_error', (problem) => reject(problem));
					});
				});
				await Promise.all(opened);
			}
			console.log(`[sign-out] 1,000 idle connections with a 4 kB auth opened on process two in ${Date.now() - openedAt} ms; its RSS ${rssBefore} kB -> ${rssKilobytes(two.pid)} kB`);

			// Alice's tab on two notes, in the page, when its room stops being joined (the cut)
			// and when it shows the refusal.
			await aliceTwo.evaluate(() => {
				const marks: { cut?: number; rejected?: number } = {};
				(window as unknown as { marks: typeof marks }).marks = marks;
				const room = document.querySelector('[data-testid="room-status"]')!;
				const connection = document.querySelector('[data-testid="connection-status"]')!;
				const check = () => {
					const now = Date.now();
					if (marks.cut === undefined && (room.textContent !== 'joined' || connection.textContent !== 'connected')) marks.cut = now;
					if (marks.rejected === undefined && room.textContent === 'rejected') marks.rejected = now;
				};
				new MutationObserver(check).observe(document.body, { subtree: true, childList: true, characterData: true });
			});
			const clickedAt = Date.now();
			await Promise.all([aliceOne.waitForURL(`${one.url}/`), aliceOne.click('form[action="/logout"] button')]);
			await aliceTwo.getByTestId('room-status').filter({ hasText: 'rejected' }).waitFor({ timeout: 5000 });
			const marks = await aliceTwo.evaluate(() => (window as unknown as { marks: { cut?: number; rejected?: number } }).marks);
			const cut = marks.cut! - clickedAt;
			const rejected = marks.rejected! - clickedAt;
			console.log(`[sign-out] alice's tab on process two cut ${cut} ms and showing 'rejected' ${rejected} ms after the click on process one`);
			expect(cut).toBeLessThan(1000);
			expect(await aliceTwo.getByTestId('room-error').innerText()).toBe('401 Sign in to chat');
			// Only hers: the 1,000 others are still connected.
			expect(idle.filter((socket) => !socket.connected)).toHaveLength(0);
			expect(one.running() && two.running()).toBe(true);
		} finally {
			for (const socket of idle) socket.close();
		}
	});

	// A deploy stops each process with SIGTERM: scaled out too, it must end by itself, or a
	// process manager kills it (the adapter and the app's Redis client used to keep it alive).
	it('ends each process by itself on SIGTERM, with exit code 0', async () => {
		expect(await one.stop('SIGTERM')).toBe(0);
		expect(await two.stop('SIGTERM')).toBe(0);
	});
});
