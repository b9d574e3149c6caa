import { createServer, connect, type Socket as TcpSocket } from 'node:net';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startRedis, type RedisServer } from '../../../packages/liverpc/test/support/redis-server.js';
import { freePort, freshDatabase, startAll, startApp, type RunningApp } from './support/app.js';
import { launchBrowser, messageTexts, openRoom, sendMessage, signIn } from './support/browser.js';
import { proxyHeaders } from './support/generation.js';
import { sessionCookie } from './support/session.js';

// Redis outages under two-way traffic (#18). Redis decides each room's order, so while it is
// away no tab sees a new message live; the sends are still answered (the app stores them in
// SQLite first), each process keeps their events in order, and writes them once Redis is
// back. Then every tab must show exactly what the database has, in its order: nothing lost,
// doubled, out of order, or that the database does not have. When Redis comes back empty,
// the room's log gets a new epoch and the members fill the gap from the event's `history`.
// Neither process may exit, and each logs the outage twice: once lost, once back.

const ROOM = 'acme-general';

interface Outage {
	name: string;
	milliseconds: number;
	/** Redis comes back with its data (SHUTDOWN SAVE), or empty (no persistence). */
	keepsData: boolean;
}

const outages: Outage[] = [
	{ name: '1 s, Redis keeps its data', milliseconds: 1_000, keepsData: true },
	{ name: '12 s, Redis keeps its data', milliseconds: 12_000, keepsData: true },
	{ name: '3 s, Redis comes back empty', milliseconds: 3_000, keepsData: false },
	// The long form of the 12 s outage, for a soak run: LIVERPC_SOAK=1 npx vitest run tests/redis-outage.test.ts
	...(process.env.LIVERPC_SOAK === '1' ? [{ name: '60 s, Redis keeps its data', milliseconds: 60_000, keepsData: true }] : [])
];

/** How a tab's list differs from the database's, by message text (every text is unique). */
interface ListReport {
	/** In the database, not in the tab. */
	lost: number;
	/** Shown more than once (each extra copy counts). */
	doubled: number;
	/** Shown, but not where the database's order puts them: those outside a longest run in order. */
	outOfOrder: number;
	/** In the tab, not in the database. */
	phantom: number;
}

function compareLists(tab: readonly string[], database: readonly string[]): ListReport {
	const position = new Map(database.map((text, index) => [text, index]));
	const shown = new Set<string>();
	let doubled = 0;
	let phantom = 0;
	const order: number[] = [];
	for (const text of tab) {
		const index = position.get(text);
		if (index === undefined) {
			phantom++;
			continue;
		}
		if (shown.has(text)) {
			doubled++;
			continue;
		}
		shown.add(text);
		order.push(index);
	}
	return { lost: database.length - shown.size, doubled, outOfOrder: order.length - longestIncreasingRun(order), phantom };
}

/** The length of a longest strictly increasing subsequence (patience sorting). */
function longestIncreasingRun(values: readonly number[]): number {
	const tails: number[] = [];
	for (const value of values) {
		let low = 0;
		let high = tails.length;
		while (low < high) {
			const middle = (low + high) >> 1;
			if (tails[middle]! < value) low = middle + 1;
			else high = middle;
		}
		tails[low] = value;
	}
	return tails.length;
}

const sleep = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds));

/** Sends through the page's form and waits for the answer: the input empties, or an error shows. */
async function sendAndWait(page: Page, text: string): Promise<void> {
	await sendMessage(page, text);
	const startedAt = Date.now();
	const outcome = await page
		.waitForFunction(
			() => {
				const error = document.querySelector('[data-testid="send-error"]');
				if (error) return `error: ${error.textContent}`;
				return (document.querySelector('[data-testid="message-input"]') as HTMLInputElement | null)?.value === '' ? 'sent' : false;
			},
			undefined,
			{ timeout: 40_000, polling: 20 }
		)
		.catch(async () => {
			// What the tab looked like: which page (a reload shows as a new time origin), the
			// input and button, the statuses, so a failure can be told apart from a slow answer.
			const state = await page.evaluate(() => {
				const input = document.querySelector('[data-testid="message-input"]') as HTMLInputElement | null;
				const button = document.querySelector('[data-testid="send-button"]') as HTMLButtonElement | null;
				const texts = ['room-status', 'connection-status', 'send-error'].map((id) => `${id}: ${document.querySelector(`[data-testid="${id}"]`)?.textContent ?? '-'}`);
				const pending = document.querySelectorAll('[data-unanswered]').length;
				return [...texts, `input: ${JSON.stringify(input?.value)}`, `button disabled: ${button?.disabled}`, `unanswered: ${pending}`, `page age: ${Math.round(performance.now())} ms`].join(', ');
			}).catch((problem: unknown) => `the page could not be read: ${(problem as Error).message.split('\n')[0]}`);
			throw new Error(`${text}: no answer within 40 s (${state})`);
		});
	const result = await outcome.jsonValue();
	if (result !== 'sent') throw new Error(`${text}: ${result} after ${Date.now() - startedAt} ms`);
	if (Date.now() - startedAt > 10_000) throw new Error(`${text}: answered only after ${Date.now() - startedAt} ms`);
}

describe('Redis outages under two-way traffic (two node build processes)', () => {
	const database = freshDatabase();
	let redis: RedisServer;
	let one: RunningApp;
	let two: RunningApp;
	let browser: Browser;
	/** Alice on process one, bob on two, alice's second tab on two. */
	let tabs: Array<{ name: string; page: Page }>;
	let cookies: { alice: string; bob: string };

	beforeAll(async () => {
		redis = await startRedis();
		const env = { REDIS_URL: redis.url };
		await startAll([
			startApp('build', { databasePath: database.databasePath, env }).then((app) => (one = app)),
			startApp('build', { databasePath: database.databasePath, env }).then((app) => (two = app)),
			launchBrowser().then((launched) => (browser = launched))
		]);
		const aliceContext = await browser.newContext();
		const aliceOne = await signIn(aliceContext, one.url, 'alice');
		const bobTwo = await signIn(await browser.newContext(), two.url, 'bob');
		// Her session cookie is good on both ports (one host).
		const aliceTwo = await aliceContext.newPage();
		await openRoom(aliceOne, one.url, ROOM);
		await openRoom(bobTwo, two.url, ROOM);
		await openRoom(aliceTwo, two.url, ROOM);
		tabs = [
			{ name: 'alice on one', page: aliceOne },
			{ name: 'bob on two', page: bobTwo },
			{ name: 'alice on two', page: aliceTwo }
		];
		cookies = { alice: await sessionCookie(one.url, 'alice'), bob: await sessionCookie(two.url, 'bob') };
		for (const { page } of tabs) await page.getByTestId('presence').filter({ hasText: 'Alice (2 tabs), Bob' }).waitFor();
	});
	afterAll(async () => {
		await browser?.close();
		await Promise.all([one?.stop(), two?.stop()]);
		await redis?.close();
		database.remove();
	});

	/** The room's messages in the database, in id order, as a tab shows them. */
	function stored(): string[] {
		const db = new Database(database.databasePath, { readonly: true });
		try {
			const rows = db
				.prepare('SELECT users.name AS name, messages.text AS text FROM messages JOIN users ON users.id = messages.user_id WHERE messages.room_id = ? ORDER BY messages.id')
				.all(ROOM) as Array<{ name: string; text: string }>;
			return rows.map((row) => `${row.name}: ${row.text}`);
		} finally {
			db.close();
		}
	}

	/**
	 * Two-way traffic until stopped: each tab types messages (socket calls), and the send form
	 * action and the +server.ts endpoint are posted to both processes in turn, as alice and as
	 * bob. Returns every message whose send was answered, and the sends that failed.
	 */
	function startTraffic(tag: string) {
		let running = true;
		const answered: string[] = [];
		const failed: string[] = [];
		const typing = tabs.map(({ name, page }, tab) =>
			(async () => {
				const who = name.startsWith('alice') ? 'Alice' : 'Bob';
				for (let n = 0; running; n++) {
					const text = `${tag} tab${tab} typed ${n}`;
					try {
						await sendAndWait(page, text);
						answered.push(`${who}: ${text}`);
					} catch (problem) {
						failed.push(`${name}: ${(problem as Error).message.split('\n')[0]}`);
					}
					await sleep(150);
				}
			})()
		);
		const post = (kind: 'form' | 'endpoint', user: 'alice' | 'bob') =>
			(async () => {
				const who = user === 'alice' ? 'Alice' : 'Bob';
				for (let n = 0; running; n++) {
					// Alice's form posts start on one and bob's endpoint posts on two; each alternates.
					const app = (n + (user === 'alice' ? 0 : 1)) % 2 === 0 ? one : two;
					const text = `${tag} ${kind} ${user} ${n}`;
					const key = `${tag}-${kind}-${user}-${n}`.replace(/[^A-Za-z0-9_-]/g, '_');
					const headers = { origin: app.url, cookie: cookies[user], ...proxyHeaders };
					try {
						const response =
							kind === 'form'
								? await fetch(`${app.url}/rooms/${ROOM}?/send`, {
										method: 'POST',
										redirect: 'manual',
										headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
										body: new URLSearchParams({ text, key })
									})
								: await fetch(`${app.url}/rooms/${ROOM}/messages`, {
										method: 'POST',
										headers: { ...headers, 'content-type': 'application/json' },
										body: JSON.stringify({ text, key })
									});
						await response.arrayBuffer();
						if (response.status >= 400) throw new Error(`HTTP ${response.status}`);
						answered.push(`${who}: ${text}`);
					} catch (problem) {
						failed.push(`${kind} ${user} ${n}: ${(problem as Error).message}`);
					}
					await sleep(200);
				}
			})();
		const loops = [...typing, post('form', 'alice'), post('endpoint', 'bob')];
		/** Posts to the endpoint of both processes as fast as they answer, three at a time on each, for `milliseconds`. */
		const burst = async (milliseconds: number) => {
			const until = Date.now() + milliseconds;
			const lane = async (app: RunningApp, user: 'alice' | 'bob', number: number) => {
				const who = user === 'alice' ? 'Alice' : 'Bob';
				for (let n = 0; Date.now() < until; n++) {
					const text = `${tag} burst ${user} ${number} ${n}`;
					try {
						const response = await fetch(`${app.url}/rooms/${ROOM}/messages`, {
							method: 'POST',
							headers: { origin: app.url, cookie: cookies[user], ...proxyHeaders, 'content-type': 'application/json' },
							body: JSON.stringify({ text, key: `${tag}-burst-${user}-${number}-${n}` })
						});
						await response.arrayBuffer();
						if (response.status >= 400) throw new Error(`HTTP ${response.status}`);
						answered.push(`${who}: ${text}`);
					} catch (problem) {
						failed.push(`burst ${user} ${number} ${n}: ${(problem as Error).message}`);
					}
				}
			};
			await Promise.all([0, 1, 2].flatMap((number) => [lane(one, 'alice', number), lane(two, 'bob', number)]));
		};
		return {
			answered,
			burst,
			async stop() {
				running = false;
				await Promise.all(loops);
				return { answered, failed };
			}
		};
	}

	/** The messages each tab shows now. */
	const shownNow = () => Promise.all(tabs.map(({ page }) => messageTexts(page)));
	/** How many messages each tab shows now. */
	const counts = async () => (await shownNow()).map((texts) => texts.length);

	/** Waits until every tab shows as many messages as the database has, unchanged for a while. */
	async function quiet(timeout: number): Promise<number> {
		const started = Date.now();
		let steadySince = Date.now();
		let last = '';
		while (Date.now() - started < timeout) {
			const total = stored().length;
			const now = JSON.stringify([total, await counts()]);
			if (now !== last) {
				last = now;
				steadySince = Date.now();
			} else if ((JSON.parse(now) as [number, number[]])[1].every((count) => count === total) && Date.now() - steadySince >= 1000) {
				break;
			}
			await sleep(100);
		}
		return Date.now() - started;
	}

	const lines = (output: string, pattern: RegExp) => output.split('\n').filter((line) => pattern.test(line));

	for (const outage of outages) {
		it(
			`loses, doubles, reorders and invents nothing across an outage of ${outage.name}`,
			async () => {
				const tag = `o${outages.indexOf(outage) + 1}`;
				const outputs = [one.output().length, two.output().length];
				const traffic = startTraffic(tag);
				await sleep(1000);

				// Redis goes in the middle of a burst of posts on both processes, so that events of
				// both are on their way to Redis when it goes.
				const burst = traffic.burst(600);
				await sleep(300);
				const stoppedAt = Date.now();
				if (outage.keepsData) await redis.stopKeepingData();
				else await redis.stop();
				await burst;
				// No tab sees anything live while Redis is away (after a moment for what was on its
				// way to a browser when Redis went), though the sends go on being answered: a tab
				// lists only the messages it sends itself (at once, and kept once answered).
				const settle = Math.min(500, outage.milliseconds / 2);
				await sleep(Math.max(0, stoppedAt + settle - Date.now()));
				const answeredBefore = traffic.answered.length;
				const shownEarly = await shownNow();
				await sleep(Math.max(0, stoppedAt + outage.milliseconds - 150 - Date.now()));
				const shownLate = await shownNow();
				const answeredDuring = traffic.answered.length - answeredBefore;
				await sleep(Math.max(0, stoppedAt + outage.milliseconds - Date.now()));
				await redis.start();
				const restartedAt = Date.now();

				await sleep(2000);
				const { answered, failed } = await traffic.stop();
				const settled = await quiet(20_000);
				const rows = stored();

				const shown = await Promise.all(tabs.map(({ page }) => messageTexts(page)));
				const reports = tabs.map(({ name }, index) => ({ name, ...compareLists(shown[index]!, rows) }));
				// What differs, by text (its tag says in which round and from where it was sent).
				const differences = tabs.flatMap(({ name }, index) => {
					const inTab = new Set(shown[index]);
					const inDatabase = new Set(rows);
					const lacks = rows.filter((text) => !inTab.has(text));
					const extra = shown[index]!.filter((text) => !inDatabase.has(text));
					return lacks.length + extra.length === 0 ? [] : [`[redis-outage]   ${name} lacks ${JSON.stringify(lacks.slice(0, 10))}, has extra ${JSON.stringify(extra.slice(0, 10))}`];
				});
				const lateByProcess = [one, two].map((app, index) => app.output().slice(outputs[index]));
				const lost = lateByProcess.map((output) => lines(output, /\[liverpc\] Redis lost/).length);
				const back = lateByProcess.map((output) => lines(output, /\[liverpc\] Redis is back/).length);
				console.log(
					[
						`[redis-outage] ${outage.name}: ${rows.length} messages in the room (${answered.length} answered this round, ${failed.length} sends failed), ` +
							`${answeredDuring} answered while Redis was away and ${shownLate.map((late, i) => late.length - shownEarly[i]!.length).join('/')} more shown meanwhile, each tab's own (tabs in order); ` +
							`every tab settled ${settled} ms after the traffic stopped (Redis back ${restartedAt - stoppedAt} ms after it went)`,
						...reports.map(({ name, lost, doubled, outOfOrder, phantom }, index) => {
							const fromEarlier = rows.filter((text) => !text.includes(`: ${tag} `) && !shown[index]!.includes(text)).length;
							return `[redis-outage]   ${name}: lost ${lost}${fromEarlier ? ` (${fromEarlier} of them sent in earlier rounds)` : ''}, doubled ${doubled}, out of order ${outOfOrder}, phantom ${phantom}`;
						}),
						...differences,
						`[redis-outage]   'Redis lost' lines: one ${lost[0]}, two ${lost[1]}; 'Redis is back' lines: one ${back[0]}, two ${back[1]}`,
						...lateByProcess.flatMap((output, index) => lines(output, /\S/).map((line) => `[redis-outage]   process ${index + 1} printed: ${line}`))
					].join('\n')
				);

				expect(failed).toEqual([]);
				// Every answered send is in the database, once.
				const inDatabase = new Set(rows);
				expect(answered.filter((text) => !inDatabase.has(text))).toEqual([]);
				expect(rows.length).toBe(inDatabase.size);
				// Sends went on being answered while Redis was away, and nothing was shown live.
				expect(answeredDuring).toBeGreaterThan(0);
				const othersShownMeanwhile = shownLate.map((late, tab) => late.filter((text) => !shownEarly[tab]!.includes(text) && !text.includes(`${tag} tab${tab} typed `)));
				expect(othersShownMeanwhile).toEqual(tabs.map(() => []));
				for (const report of reports) expect(report, report.name).toEqual({ name: report.name, lost: 0, doubled: 0, outOfOrder: 0, phantom: 0 });
				for (const { page } of tabs) expect(await messageTexts(page)).toEqual(rows);
				// Presence is right again (Redis may have come back without it).
				for (const { page } of tabs) await page.getByTestId('presence').filter({ hasText: 'Alice (2 tabs), Bob' }).waitFor({ timeout: 10_000 });

				// Both processes are still up, printed no unhandled error, and logged this outage
				// once each way, not once per failed command.
				expect(one.running() && two.running()).toBe(true);
				for (const output of lateByProcess) expect(lines(output, /unhandled|uncaught/i)).toEqual([]);
				expect(lost).toEqual([1, 1]);
				expect(back).toEqual([1, 1]);
			},
			outage.milliseconds + 75_000
		);
	}
});

/** A TCP proxy in front of Redis for one process: blocked, it cuts that process's Redis connections and refuses new ones. */
interface RedisPath {
	url: string;
	block(): void;
	unblock(): void;
	close(): Promise<void>;
}

async function startRedisPath(redisPort: number): Promise<RedisPath> {
	const pairs = new Set<[TcpSocket, TcpSocket]>();
	let blocked = false;
	const server = createServer((client) => {
		if (blocked) return client.resetAndDestroy();
		const upstream = connect(redisPort, '127.0.0.1');
		const pair: [TcpSocket, TcpSocket] = [client, upstream];
		pairs.add(pair);
		const teardown = () => {
			pairs.delete(pair);
			client.destroy();
			upstream.destroy();
		};
		for (const side of pair) {
			side.on('error', teardown);
			side.on('close', teardown);
		}
		client.pipe(upstream);
		upstream.pipe(client);
	});
	const port = await freePort();
	await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
	const block = () => {
		blocked = true;
		for (const pair of [...pairs]) {
			pairs.delete(pair);
			for (const side of pair) side.resetAndDestroy();
		}
	};
	return {
		url: `redis://127.0.0.1:${port}`,
		block,
		unblock: () => void (blocked = false),
		close: () => {
			block();
			return new Promise((resolve) => server.close(() => resolve()));
		}
	};
}

// The same promise in the case the traffic above only hits by chance: a message stored on
// process one whose event was still waiting there (Redis unreachable from one) while a newer
// message, stored on two, reached Redis and bob's tab; then Redis comes back empty. Bob's
// tab re-joins the room's new log, and must still get the older message.
describe('an event that reaches Redis only after it came back empty, older than one a member has (two node build processes)', () => {
	const database = freshDatabase();
	let redis: RedisServer;
	let paths: RedisPath[];
	let one: RunningApp;
	let two: RunningApp;
	let browser: Browser;

	beforeAll(async () => {
		redis = await startRedis();
		paths = [await startRedisPath(redis.port), await startRedisPath(redis.port)];
		await startAll([
			startApp('build', { databasePath: database.databasePath, env: { REDIS_URL: paths[0]!.url } }).then((app) => (one = app)),
			startApp('build', { databasePath: database.databasePath, env: { REDIS_URL: paths[1]!.url } }).then((app) => (two = app)),
			launchBrowser().then((launched) => (browser = launched))
		]);
	});
	afterAll(async () => {
		await browser?.close();
		await Promise.all([one?.stop(), two?.stop()]);
		await Promise.all((paths ?? []).map((path) => path.close()));
		await redis?.close();
		database.remove();
	});

	const stored = () => {
		const db = new Database(database.databasePath, { readonly: true });
		try {
			const rows = db
				.prepare('SELECT users.name AS name, messages.text AS text FROM messages JOIN users ON users.id = messages.user_id WHERE messages.room_id = ? ORDER BY messages.id')
				.all(ROOM) as Array<{ name: string; text: string }>;
			return rows.map((row) => `${row.name}: ${row.text}`);
		} finally {
			db.close();
		}
	};
	const post = async (app: RunningApp, cookie: string, text: string) => {
		const response = await fetch(`${app.url}/rooms/${ROOM}/messages`, {
			method: 'POST',
			headers: { origin: app.url, cookie, ...proxyHeaders, 'content-type': 'application/json' },
			body: JSON.stringify({ text })
		});
		expect(response.status).toBe(201);
	};
	const logged = async (app: RunningApp, line: string, count: number) => {
		await expect.poll(() => app.output().split(line).length - 1, { timeout: 15_000 }).toBeGreaterThanOrEqual(count);
	};

	it("gives bob's tab the older message too, though it came after the newer one", async () => {
		const alice = await signIn(await browser.newContext(), one.url, 'alice');
		const bob = await signIn(await browser.newContext(), two.url, 'bob');
		await openRoom(alice, one.url, ROOM);
		await openRoom(bob, two.url, ROOM);
		const cookies = { alice: await sessionCookie(one.url, 'alice'), bob: await sessionCookie(two.url, 'bob') };
		await post(two, cookies.bob, 'before');
		for (const tab of [alice, bob]) await tab.getByTestId('message').filter({ hasText: 'before' }).waitFor();

		// Process one loses Redis; alice's message waits there. Bob's, stored after it on two, reaches Redis and his tab.
		paths[0]!.block();
		await logged(one, '[liverpc] Redis lost', 1);
		await post(one, cookies.alice, 'older, stored on one');
		await post(two, cookies.bob, 'newer, stored on two');
		await bob.getByTestId('message').filter({ hasText: 'newer, stored on two' }).waitFor();

		// Two loses Redis too, and Redis restarts empty. One is back first and writes alice's
		// message into the room's new log; then two is back.
		paths[1]!.block();
		await logged(two, '[liverpc] Redis lost', 1);
		await redis.stop();
		await redis.start();
		paths[0]!.unblock();
		await logged(one, '[liverpc] Redis is back', 1);
		await alice.getByTestId('message').filter({ hasText: 'newer, stored on two' }).waitFor({ timeout: 10_000 });
		await sleep(1000);
		paths[1]!.unblock();
		await logged(two, '[liverpc] Redis is back', 1);
		await bob.getByTestId('room-status').filter({ hasText: 'joined' }).waitFor();

		const rows = stored();
		expect(rows).toEqual(['Bob: before', 'Alice: older, stored on one', 'Bob: newer, stored on two']);
		for (const [name, tab] of [['alice on one', alice], ['bob on two', bob]] as const) {
			await expect.poll(() => messageTexts(tab), { timeout: 5_000 }).toEqual(rows).catch(async (problem) => {
				const shown = await messageTexts(tab);
				console.log(`[redis-outage] ${name} shows ${JSON.stringify(shown)}; lacks ${JSON.stringify(rows.filter((row) => !shown.includes(row)))}`);
				throw problem;
			});
		}
		expect(one.running() && two.running()).toBe(true);
	});
});
