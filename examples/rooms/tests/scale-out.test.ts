import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { startRedis, type RedisServer } from '../../../packages/liverpc/test/support/redis-server.js';
import { freshDatabase, startApp, type RunningApp } from './support/app.js';
import { launchBrowser, messageTexts, openRoom, sendMessage, signIn } from './support/browser.js';
import { proxyHeaders } from './support/generation.js';

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
		[one, two, browser] = await Promise.all([
			startApp('build', { databasePath: database.databasePath, env }),
			startApp('build', { databasePath: database.databasePath, env }),
			launchBrowser()
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

	// Must-show 3: Redis restarts while both processes chat.
	it('keeps delivering on each process while Redis restarts, then across again, losing no acknowledged message', async () => {
		const carolOne = await signIn(await browser.newContext(), one.url, 'carol');
		const carolTwo = await signIn(await browser.newContext(), two.url, 'carol');
		await openRoom(carolOne, one.url, 'globex-general');
		await openRoom(carolTwo, two.url, 'globex-general');
		const secondTabOnOne = await carolOne.context().newPage();
		await openRoom(secondTabOnOne, one.url, 'globex-general');
		await sendMessage(carolTwo, 'before the restart');
		await carolOne.getByTestId('message').filter({ hasText: 'before the restart' }).waitFor();

		await redis.stop();
		// Local delivery goes on: process one's members get what is sent on process one.
		await sendMessage(carolOne, 'while Redis is down');
		await secondTabOnOne.getByTestId('message').filter({ hasText: 'while Redis is down' }).waitFor();
		await new Promise((resolve) => setTimeout(resolve, 1000));
		await redis.start();

		// Across again once it is back, both ways.
		await sendMessage(carolTwo, 'after the restart');
		await carolOne.getByTestId('message').filter({ hasText: 'after the restart' }).waitFor({ timeout: 20_000 });
		await sendMessage(carolOne, 'and back');
		await carolTwo.getByTestId('message').filter({ hasText: 'and back' }).waitFor({ timeout: 20_000 }).catch((problem) => {
			console.log('ONE', one.output(), 'TWO', two.output());
			throw problem;
		});
		expect(one.running() && two.running()).toBe(true);

		// Every message acknowledged to a sender is in SQLite, once.
		const db = new Database(database.databasePath, { readonly: true });
		try {
			const stored = db.prepare("SELECT text FROM messages WHERE room_id = 'globex-general' ORDER BY id").all() as Array<{ text: string }>;
			expect(stored.map((row) => row.text)).toEqual(['before the restart', 'while Redis is down', 'after the restart', 'and back']);
		} finally {
			db.close();
		}
		// Every tab has every message once. Process two gets the outage's message late, from
		// Redis once it is back, or, when Redis lost it, from the store: a process that sees
		// a message of another go missing has its members re-join from their positions.
		const all = ['Carol: before the restart', 'Carol: while Redis is down', 'Carol: after the restart', 'Carol: and back'];
		await carolTwo.getByTestId('message').filter({ hasText: 'while Redis is down' }).waitFor({ timeout: 20_000 });
		for (const tab of [carolOne, secondTabOnOne]) expect(await messageTexts(tab)).toEqual(all);
		// Once, though not always in the store's order: what arrives late from the other
		// process follows what was sent meanwhile on this one.
		expect((await messageTexts(carolTwo)).sort()).toEqual([...all].sort());
	});

	// A deploy stops each process with SIGTERM: scaled out too, it must end by itself, or a
	// process manager kills it (the adapter and the app's Redis client used to keep it alive).
	it('ends each process by itself on SIGTERM, with exit code 0', async () => {
		expect(await one.stop('SIGTERM')).toBe(0);
		expect(await two.stop('SIGTERM')).toBe(0);
	});
});
