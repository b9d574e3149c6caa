import { readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from 'liverpc/client';
import type { LiveLimits } from 'liverpc/server';
import { freePort, useApp } from './support/app.js';
import { flood, nestedArrays, openRaw, type RawSocket } from '../../../packages/liverpc/test/support/raw-engine-socket.js';
import { pollingHandshake } from '../../../packages/liverpc/test/support/raw-engine-polling.js';
import { sessionCookie } from './support/session.js';
// The real contract: under Vitest with the app's Vite config, liverpc() gives it its route id,
// so a Node client addresses the room as a page does, typed (#11).
import * as chat from '../src/routes/rooms/[roomId]/chat.socket';

// Issue #8: every value from the wire is hostile. Each test sends, over a raw websocket to
// `node build`, what an attacker would write by hand, asserts the safe outcome, and then
// that the same process still serves a signed-in client. The limits asserted are the
// library's defaults (see LiveLimits) with the example's own `options` from
// src/hooks.socket.ts (maxRooms and joinBurst 10).
const LIMITS = {
	maxMessageBytes: 65_536,
	callsPerSecond: 50,
	callBurst: 100,
	maxCallsInFlight: 100,
	joinsPerSecond: 10,
	joinBurst: 10,
	maxRooms: 10
} satisfies Partial<LiveLimits>;
// A connection is closed once it collects this many refusals faster than it is forgiven them.
const REFUSAL_BURST = 50;
const REFUSALS_FORGIVEN_PER_SECOND = 5;

const CHAT = 'rooms/[roomId]/chat';
const ACME_GENERAL = { roomId: 'acme-general' };

type SavedMessage = { id: number; roomId: string; userId: string; userName: string; text: string };
type Joined = { room: string; ref: number; reply: unknown };


describe('attacks on node build over raw frames', () => {
	const fixture = useApp('build');
	let pid: number;
	let alice: string;
	let bob: string;
	const opened: RawSocket[] = [];

	beforeAll(async () => {
		pid = fixture.app.pid;
		[alice, bob] = [await sessionCookie(fixture.app.url, 'alice'), await sessionCookie(fixture.app.url, 'bob')];
	});
	afterEach(() => {
		for (const socket of opened.splice(0)) socket.close();
	});

	async function raw(cookie?: string): Promise<RawSocket> {
		const socket = await openRaw(fixture.app.url, cookie ? { cookie } : {});
		opened.push(socket);
		expect(await socket.connect()).toMatch(/^40\{"sid"/);
		return socket;
	}

	async function joinChat(socket: RawSocket): Promise<Joined> {
		const [problem, joined] = (await socket.ask('j', CHAT, ACME_GENERAL)) as [unknown, Joined];
		expect(problem).toBeNull();
		return joined;
	}

	/** Sends one message to acme-general through liverpc/client, as a page would. */
	async function sendAs(cookie: string, text: string) {
		const client = createClient({ url: fixture.app.url, headers: { cookie } });
		try {
			const room = client.live(chat, ACME_GENERAL);
			return await room.send({ text });
		} finally {
			client.close();
		}
	}

	/** The process the fixture started has not exited, answers HTTP, and serves a signed-in client. */
	async function stillServing(after: string): Promise<void> {
		expect(fixture.app.pid).toBe(pid);
		expect(fixture.app.running(), fixture.app.output()).toBe(true);
		expect((await fetch(fixture.app.url + '/')).status).toBe(200);
		const text = `still serving after ${after}`;
		expect(await sendAs(alice, text)).toMatchObject({ roomId: 'acme-general', userId: 'alice', text });
	}

	function savedCount(textLike: string): number {
		const db = new Database(fixture.databasePath, { readonly: true, fileMustExist: true });
		try {
			return (db.prepare('SELECT count(*) AS n FROM messages WHERE text LIKE ?').get(textLike) as { n: number }).n;
		} finally {
			db.close();
		}
	}

	function savedBy(text: string): string[] {
		const db = new Database(fixture.databasePath, { readonly: true, fileMustExist: true });
		try {
			return (db.prepare('SELECT user_id FROM messages WHERE text = ?').all(text) as Array<{ user_id: string }>).map((row) => row.user_id);
		} finally {
			db.close();
		}
	}

	/** Resident memory of the app process, in bytes. */
	function rss(): number {
		const kilobytes = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${fixture.app.pid}/status`, 'utf8'));
		if (!kilobytes) throw new Error(`no VmRSS for process ${fixture.app.pid}`);
		return Number(kilobytes[1]) * 1024;
	}

	it('answers a route id and a call name of {"toString":1} from a client without a cookie with fixed 404s', async () => {
		const socket = await raw();
		// An object where a string belongs: a Map lookup or a template would call its toString.
		expect(await socket.askRaw('["j",{"toString":1},{}]')).toEqual([{ status: 404, message: 'No such room' }]);
		const [problem, lobby] = (await socket.ask('j', 'lobby/chat', {})) as [unknown, Joined];
		expect(problem).toBeNull();
		expect(await socket.askRaw(`["c",${lobby.ref},{"toString":1},{"text":"hi"}]`)).toEqual([
			{ status: 404, message: 'No such call in this room' }
		]);
		await stillServing('{"toString":1}');
	});

	it('answers route ids and call names nested 10,000 arrays deep with 404, and closes a 100,000-deep frame (200 kB) with 1009', async () => {
		const socket = await raw();
		const [, lobby] = (await socket.ask('j', 'lobby/chat', {})) as [unknown, Joined];
		const deep = nestedArrays(10_000); // 20 kB, under the message limit: it reaches the listeners
		expect(await socket.askRaw(`["j",${deep},{}]`)).toEqual([{ status: 404, message: 'No such room' }]);
		expect(await socket.askRaw(`["c",${lobby.ref},${deep},{"text":"hi"}]`)).toEqual([{ status: 404, message: 'No such call in this room' }]);
		expect(await socket.askRaw(`["j","${CHAT}",${deep}]`)).toMatchObject([{ status: 400 }]);

		const deeper = `429["j",${nestedArrays(100_000)},{}]`;
		expect(deeper.length).toBeGreaterThan(LIMITS.maxMessageBytes);
		socket.send(deeper);
		expect(await socket.closed).toBe(1009); // Message Too Big: never parsed
		await stillServing('arrays nested 100,000 deep');
	});

	it('answers a call with 30,000 extra arguments (60 kB) with 400 Malformed packet, saves nothing, and keeps the connection', async () => {
		const socket = await raw(alice);
		const { ref } = await joinChat(socket);
		const frame = `["c",${ref},"send",{"text":"thirty thousand arguments"}${',1'.repeat(30_000)}]`;
		expect(frame.length).toBeGreaterThan(60_000);
		expect(frame.length).toBeLessThan(LIMITS.maxMessageBytes);
		expect(await socket.askRaw(frame)).toEqual([{ status: 400, message: 'Malformed packet: not LiveRPC protocol' }]);
		expect(savedCount('thirty thousand arguments')).toBe(0);
		// One refusal is not a reason to drop a client: the same connection still calls.
		expect(await socket.ask('c', ref, 'send', { text: 'after the malformed packet' })).toMatchObject([null, { userId: 'alice' }]);
		await stillServing('30,000 extra arguments');
	});

	it('closes a connection that sends 80,000 arguments (160 kB) on any event with 1009', async () => {
		for (const event of ['"c",1,"send",{"text":"x"}', `"j","${CHAT}",{"roomId":"acme-general"}`, '"anything"']) {
			const socket = await raw(alice);
			socket.send(`421[${event}${',1'.repeat(80_000)}]`);
			expect(await socket.closed, event).toBe(1009);
		}
		await stillServing('80,000 arguments');
	});

	it('closes a connection that sends 20,000 CONNECT frames in one write, answering at most one; five more floods grow RSS under 20 MB', async () => {
		const connectFlood = async () => {
			const socket = await openRaw(fixture.app.url, { cookie: alice });
			opened.push(socket);
			socket.sendBatch(Array.from({ length: 20_000 }, () => '40'));
			await socket.closed;
			// Each CONNECT would run the socket hook and hold a pending namespace socket.
			expect(socket.frames.filter((frame) => /^4[04]/.test(frame)).length).toBeLessThanOrEqual(1);
		};
		const settle = () => new Promise((resolve) => setTimeout(resolve, 500));
		// The first flood also warms the process up (JIT, heap growth); the next 100,000
		// CONNECTs show whether any of them leaves something behind.
		await connectFlood();
		await settle();
		const before = rss();
		for (let round = 0; round < 5; round++) await connectFlood();
		await settle();
		expect(rss() - before).toBeLessThan(20 * 1024 * 1024);
		await stillServing('20,000 CONNECT frames');
	});

	it("refuses a handshake from Origin https://evil.example, null or another port of 127.0.0.1 carrying alice's cookie, on websocket and polling", async () => {
		type Outcome = 'open' | 'refused' | string;
		const websocket = async (origin: string): Promise<Outcome> => {
			try {
				const socket = await openRaw(fixture.app.url, { cookie: alice, origin });
				opened.push(socket);
				const answer = await socket.connect();
				return answer.startsWith('40') ? 'open' : answer;
			} catch (refusal) {
				const { status, body } = refusal as { status?: number; body?: string };
				return status === 400 && body === 'Origin not allowed' ? 'refused' : String(refusal);
			}
		};
		const polling = async (origin: string): Promise<Outcome> => {
			const { status, body } = await pollingHandshake(fixture.app.url, { cookie: alice, origin });
			if (status === 200 && body.startsWith('0{')) return 'open';
			return status === 403 && body === JSON.stringify({ code: 4, message: 'Origin not allowed' }) ? 'refused' : `${status} ${body}`;
		};

		const otherPort = `http://127.0.0.1:${await freePort()}`;
		for (const origin of ['https://evil.example', 'null', otherPort]) {
			expect([await websocket(origin), await polling(origin)], origin).toEqual(['refused', 'refused']);
		}
		// The same cookie from the app's own origin opens: the refusals above are the Origin's doing.
		expect([await websocket(fixture.app.url), await polling(fixture.app.url)]).toEqual(['open', 'open']);
		// The operator can see why in the server log; the client learned nothing more.
		expect(fixture.app.output()).toContain('https://evil.example');
		await stillServing('cross-origin handshakes');
	});

	it('runs at most callBurst of 3,000 calls sent in one write, closes the connection, and serves another user meanwhile', async () => {
		const socket = await raw(alice);
		const { ref } = await joinChat(socket);
		const victim = createClient({ url: fixture.app.url, headers: { cookie: bob } });
		try {
			const room = victim.live(chat, ACME_GENERAL);
			await room.send({ text: 'bob before the burst' });

			const flooding = flood(socket, 3000, (id) => [`42${id}["c",${ref},"send",{"text":"burst ${id}"}]`], Infinity);
			const victimSaved = room.send({ text: 'bob during the burst' });
			const result = await flooding;
			expect(await victimSaved).toMatchObject({ userId: 'bob', text: 'bob during the burst' });

			const succeeded = result.answers.filter(([problem]) => problem === null).length;
			const refused = result.answers.filter(([problem]) => problem !== null);
			expect(result.closeCode).toBeDefined();
			expect(result.answers.length).toBeLessThan(3000);
			// Socket.IO hands events to listeners a tick after decoding them, so the gate closes
			// the connection while this write is still being read and the calls it had let
			// through are dropped with it, unanswered. Any answer that does come is a success
			// within the burst or a 429; the database says how many ran.
			for (const [problem] of refused) {
				expect([
					{ status: 429, message: 'Too many calls in flight on this connection' },
					{ status: 429, message: 'Too many calls: slow down' }
				]).toContainEqual(problem);
			}
			const saved = savedCount('burst %');
			expect(saved).toBeGreaterThanOrEqual(succeeded);
			expect(saved).toBeLessThanOrEqual(LIMITS.callBurst);
		} finally {
			victim.close();
		}
		await stillServing('a burst of 3,000 calls');
	});

	it('lets about callBurst calls sent as fast as the server answers succeed, then answers 429 "Too many calls: slow down", then closes the connection', async () => {
		const socket = await raw(alice);
		const { ref } = await joinChat(socket);
		const victim = createClient({ url: fixture.app.url, headers: { cookie: bob } });
		try {
			const room = victim.live(chat, ACME_GENERAL);
			await room.send({ text: 'bob before the flood' });

			// 16 unanswered at a time stays under maxCallsInFlight, so only the rate limit speaks.
			const flooding = flood(socket, 3000, (id) => [`42${id}["c",${ref},"send",{"text":"flood ${id}"}]`], 16);
			const victimSaved = room.send({ text: 'bob during the flood' });
			const result = await flooding;
			expect(await victimSaved).toMatchObject({ userId: 'bob', text: 'bob during the flood' });

			const seconds = result.milliseconds / 1000;
			const allowed = LIMITS.callBurst + Math.ceil(LIMITS.callsPerSecond * seconds) + 1;
			const succeeded = result.answers.filter(([problem]) => problem === null).length;
			const refused = result.answers.filter(([problem]) => problem !== null);
			expect(result.closeCode).toBeDefined();
			expect(succeeded).toBeGreaterThanOrEqual(LIMITS.callBurst);
			expect(succeeded).toBeLessThanOrEqual(allowed);
			expect(refused.length).toBeGreaterThan(0);
			expect(refused.length).toBeLessThanOrEqual(REFUSAL_BURST + Math.ceil(REFUSALS_FORGIVEN_PER_SECOND * seconds) + 1);
			for (const [problem] of refused) expect(problem).toEqual({ status: 429, message: 'Too many calls: slow down' });

			const saved = savedCount('flood %');
			expect(saved).toBeGreaterThanOrEqual(succeeded);
			expect(saved).toBeLessThanOrEqual(allowed);
		} finally {
			victim.close();
		}
		await stillServing('a call flood');
	});

	it('answers a join/leave flood past joinBurst with 429 "Too many joins: slow down", closes the connection, and sends back a bounded number of bytes', async () => {
		// What one join of acme-general sends back (its history makes it the biggest answer).
		const probe = await raw(alice);
		const before = probe.received.bytes;
		await joinChat(probe);
		const oneJoinReply = probe.received.bytes - before;
		probe.close();

		const pair = (id: number) => [`42${id}["j","${CHAT}",{"roomId":"acme-general"}]`, '42["l",1]'];
		// All at once, then as fast as the server answers.
		for (const window of [Infinity, 8]) {
			const socket = await raw(alice);
			const start = socket.received.bytes;
			const result = await flood(socket, 5000, pair, window);
			const bytes = socket.received.bytes - start;
			const seconds = result.milliseconds / 1000;

			const joined = result.answers.filter(([problem]) => problem === null).length;
			const refused = result.answers.filter(([problem]) => problem !== null);
			expect(result.closeCode, `window ${window}`).toBeDefined();
			expect(joined).toBeLessThanOrEqual(LIMITS.joinBurst + Math.ceil(LIMITS.joinsPerSecond * seconds) + 1);
			for (const [problem] of refused) expect(problem).toEqual({ status: 429, message: 'Too many joins: slow down' });
			if (window !== Infinity) expect(refused.length).toBeGreaterThan(0);
			// Unlimited, 5,000 joins would send 5,000 histories back; here at most the burst's.
			const bound = (LIMITS.joinBurst + Math.ceil(LIMITS.joinsPerSecond * seconds) + 1) * oneJoinReply + (REFUSAL_BURST + 10) * 100;
			expect(bytes).toBeLessThan(bound);
			expect(bytes).toBeLessThan(5000 * oneJoinReply * 0.02);
		}
		await stillServing('a join/leave flood');
	});

	it('ignores identity fields (user, userId, tenantId, locals) in a call payload: the message is saved as alice', async () => {
		const socket = await raw(alice);
		const { ref } = await joinChat(socket);
		const text = 'who am I really';
		const forged = { user: { id: 'bob', name: 'Bob', tenantId: 'acme' }, userId: 'bob', tenantId: 'globex', locals: { user: { id: 'carol' } } };
		const [problem, saved] = (await socket.ask('c', ref, 'send', { text, ...forged })) as [unknown, SavedMessage];
		expect(problem).toBeNull();
		expect(saved).toMatchObject({ userId: 'alice', userName: 'Alice', roomId: 'acme-general', text });
		expect(savedBy(text)).toEqual(['alice']);
		// In join params they are not room params: refused, not used.
		expect(await socket.ask('j', CHAT, { roomId: 'acme-general', userId: 'bob' })).toMatchObject([{ status: 400 }]);
		await stillServing('forged identity fields');
	});

	it('leaves the same node build process running and serving a signed-in client after every attack above', async () => {
		await stillServing('all of the above');
		expect(fixture.app.output()).not.toMatch(/RangeError|Maximum call stack|uncaught/i);
	});
});
