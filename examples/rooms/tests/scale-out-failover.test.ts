import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { createClient } from 'liverpc/client';
import { PRESENCE_TTL_MS, startRedis, type RedisServer } from '../../../packages/liverpc/test/support/redis-server.js';
import * as chat from '../src/routes/rooms/[roomId]/chat.socket';
import { freePort, freshDatabase, startAll, startApp, type RunningApp } from './support/app.js';
import { launchBrowser, messageTexts, openRoom, signIn } from './support/browser.js';
import { sessionCookie } from './support/session.js';
import { startTcpProxy, type TcpProxy } from './support/tcp-proxy.js';

// #12, must-show 2: two node build processes on Redis behind a round-robin TCP proxy (a load
// balancer without sticky sessions). One is killed with SIGKILL while messages are sent: its
// tabs reconnect through the proxy to the other, rejoin and resume without losing or
// doubling a message, and the dead process's presence entries go once they expire in Redis:
// PRESENCE_TTL_MS after their last refresh, which the survivor notices at its next refresh
// (every PRESENCE_TTL_MS / 3).
const PRESENCE_SETTLED_MS = PRESENCE_TTL_MS + PRESENCE_TTL_MS / 3;

describe('one of two processes killed (node build, Redis, round-robin proxy)', () => {
	const database = freshDatabase();
	let redis: RedisServer;
	let one: RunningApp;
	let two: RunningApp;
	let proxy: TcpProxy;
	let browser: Browser;
	beforeAll(async () => {
		redis = await startRedis();
		const [portOne, portTwo] = [await freePort(), await freePort()];
		proxy = await startTcpProxy([portOne, portTwo]);
		// Both answer as the proxy's origin, where the browser is.
		const env = { REDIS_URL: redis.url, ORIGIN: proxy.url };
		await startAll([
			startApp('build', { port: portOne, databasePath: database.databasePath, env }).then((app) => (one = app)),
			startApp('build', { port: portTwo, databasePath: database.databasePath, env }).then((app) => (two = app)),
			launchBrowser().then((launched) => (browser = launched))
		]);
	});
	afterAll(async () => {
		await browser?.close();
		await proxy?.close();
		await Promise.all([one?.stop('SIGKILL'), two?.stop()]);
		await redis?.close();
		database.remove();
	});

	it('moves the tabs of the killed process to the other, with every message once and presence right again', async () => {
		const alice = await browser.newContext();
		const bob = await browser.newContext();
		const tabs: Page[] = [await signIn(alice, proxy.url, 'alice'), await signIn(bob, proxy.url, 'bob')];
		tabs.push(await alice.newPage(), await bob.newPage());
		for (const tab of tabs) await openRoom(tab, proxy.url, 'acme-general');
		const here = 'Alice (2 tabs), Bob (2 tabs)';
		for (const tab of tabs) await tab.getByTestId('presence').filter({ hasText: here }).waitFor();

		// A writer straight on process two, sending through the kill.
		const writer = createClient({ url: two.url, headers: { cookie: await sessionCookie(proxy.url, 'bob') } });
		const room = writer.live(chat, { roomId: 'acme-general' });
		const sent: string[] = [];
		const send = async (text: string) => {
			await room.send({ text, key: `failover-${text.replace(/\W/g, "_")}` });
			sent.push(`Bob: ${text}`);
		};
		// Bob's writer is one more of his connections.
		const withWriter = 'Alice (2 tabs), Bob (3 tabs)';
		try {
			for (const tab of tabs) await tab.getByTestId('presence').filter({ hasText: withWriter }).waitFor();
			for (let i = 0; i < 3; i++) await send(`before ${i}`);
			const killedAt = Date.now();
			expect(await one.stop('SIGKILL')).toBeNull();
			for (let i = 0; i < 10; i++) {
				await send(`during ${i}`);
				await new Promise((resolve) => setTimeout(resolve, 100));
			}

			// Every tab is back, each with every message once, in order.
			for (const tab of tabs) {
				await tab.getByTestId('room-status').filter({ hasText: 'joined' }).waitFor({ timeout: 20_000 });
				await tab.getByTestId('message').filter({ hasText: 'during 9' }).waitFor({ timeout: 20_000 });
				expect(await messageTexts(tab)).toEqual(sent);
			}
			// The dead connections' entries are gone: the counts are the live tabs again.
			for (const tab of tabs) await tab.getByTestId('presence').filter({ hasText: withWriter }).waitFor({ timeout: PRESENCE_SETTLED_MS + 5_000 });
			const settled = Date.now() - killedAt;
			expect(settled).toBeLessThan(PRESENCE_SETTLED_MS + 5_000);
			console.log(`[failover] every tab rejoined with every message and presence settled ${settled} ms after the kill`);

			// Nothing acknowledged was lost from SQLite, nor stored twice.
			const db = new Database(database.databasePath, { readonly: true });
			try {
				const stored = db.prepare("SELECT text FROM messages WHERE room_id = 'acme-general' ORDER BY id").all() as Array<{ text: string }>;
				expect(stored.map((row) => `Bob: ${row.text}`)).toEqual(sent);
			} finally {
				db.close();
			}
		} finally {
			writer.close();
		}
	});
});
