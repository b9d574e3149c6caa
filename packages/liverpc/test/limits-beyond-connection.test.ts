import { afterEach, describe, expect, it } from 'vitest';
import { call } from 'liverpc/server';
import { contracts, createTestClient, eventually, open, startServer } from './harness.js';
import { sessions, users } from './fixtures/store.js';
import { openRaw, type RawSocket } from './support/raw-engine-socket.js';
import { pollingHandshake } from './support/raw-engine-polling.js';

// Limits beyond one connection (#19), each attack sent for real over loopback. Before them,
// 40 fresh connections of one address made 4,000 calls in 409 ms, 300 handshakes from one
// address were accepted at 520/s, nothing capped connections, and one user's 300
// connections × 100 calls kept ~35 MB of answers for minutes.

const sockets: RawSocket[] = [];
const closeAll = () => {
	for (const socket of sockets.splice(0)) socket.close();
};
afterEach(closeAll);

/** A raw websocket that connected with this cookie (and auth), closed at the end of its test. */
async function connected(url: string, cookie: string | undefined, auth?: Record<string, unknown>, headers: Record<string, string> = {}): Promise<RawSocket> {
	const socket = await openRaw(url, cookie ? { cookie, ...headers } : headers);
	sockets.push(socket);
	expect(await socket.connect(auth)).toMatch(/^40\{/);
	return socket;
}

/** Joins an open slot and returns the membership ref. */
async function joinSlot(socket: RawSocket, slot: string): Promise<number> {
	const [error, joined] = (await socket.ask('j', 'open/[slot]', { slot })) as [unknown, { ref: number }];
	expect(error).toBeNull();
	return joined.ref;
}

/** Sends `count` calls at once on each socket, and collects every answer. */
async function hammer(members: Array<{ socket: RawSocket; ref: number }>, count: number): Promise<{ answers: unknown[][]; ms: number }> {
	const started = Date.now();
	const all = await Promise.all(
		members.map(async ({ socket, ref }) => {
			const first = 1000;
			socket.sendBatch(Array.from({ length: count }, (_, i) => `42${first + i}${JSON.stringify(['c', ref, 'ping', null])}`));
			const answers: unknown[][] = [];
			for (let i = 0; i < count; i++) {
				const frame = await socket.next((f) => f.startsWith(`43${first + i}[`), 10_000);
				answers.push(JSON.parse(frame.slice(`43${first + i}`.length)) as unknown[]);
			}
			return answers;
		})
	);
	return { answers: all.flat(), ms: Date.now() - started };
}

const isTooMany = (answer: unknown[]) => (answer[0] as { status?: number } | null)?.status === 429;

describe('calls and joins per user across connections', () => {
	it("40 connections of one user share the user's call rate; another user is served meanwhile", async () => {
		const { url } = await startServer();
		try {
			const members = await Promise.all(
				Array.from({ length: 40 }, async (_, i) => {
					const socket = await connected(url, 'session=s-alice');
					return { socket, ref: await joinSlot(socket, `alice-${i}`) };
				})
			);
			// 45 calls each: within a connection's own burst (100) and its 50 tolerated refusals.
			const { answers, ms } = await hammer(members, 45);
			const served = answers.filter((answer) => answer[0] === null).length;
			const refused = answers.filter(isTooMany);
			// The user's burst (400) plus 200/s for as long as it took, and nothing more; 1,800 without the limit.
			expect(served).toBeLessThanOrEqual(400 + Math.ceil((200 * ms) / 1000) + 40);
			expect(served + refused.length).toBe(answers.length);
			for (const [body] of refused) expect(body).toEqual({ status: 429, message: 'Too many calls from this user: slow down' });

			const bob = await connected(url, 'session=s-bob');
			const ref = await joinSlot(bob, 'bob');
			expect(await bob.ask('c', ref, 'ping', null)).toEqual([null, 'pong bob']);
		} finally {
			closeAll();
		}
	});

	it('40 anonymous connections from one address share that address’s call rate', async () => {
		const { url } = await startServer();
		try {
			const members = await Promise.all(
				Array.from({ length: 40 }, async (_, i) => {
					const socket = await connected(url, undefined);
					return { socket, ref: await joinSlot(socket, `anon-${i}`) };
				})
			);
			const { answers, ms } = await hammer(members, 45);
			const served = answers.filter((answer) => answer[0] === null).length;
			expect(served).toBeLessThanOrEqual(400 + Math.ceil((200 * ms) / 1000) + 40);
			expect(answers.filter(isTooMany).length).toBeGreaterThan(0);
		} finally {
			closeAll();
		}
	});

	it("joins of one user's connections share the user's join rate", async () => {
		const { url } = await startServer({ limits: { joinsPerSecondPerUser: 1, joinBurstPerUser: 20 } });
		try {
			const sockets = await Promise.all(Array.from({ length: 10 }, () => connected(url, 'session=s-alice')));
			const answers = await Promise.all(sockets.flatMap((socket, s) => Array.from({ length: 5 }, (_, i) => socket.ask('j', 'open/[slot]', { slot: `${s}-${i}` }))));
			const joined = answers.filter((answer) => answer[0] === null).length;
			expect(joined).toBeGreaterThanOrEqual(20);
			expect(joined).toBeLessThanOrEqual(23);
			const refused = answers.filter(isTooMany);
			expect(refused.length).toBe(answers.length - joined);
			for (const [body] of refused) expect(body).toEqual({ status: 429, message: 'Too many joins from this user: slow down' });
		} finally {
			closeAll();
		}
	});
});

describe('handshakes and connections per address and per process', () => {
	it('refuses a handshake flood from one address past its burst with 429, over polling and websocket; another address is admitted', async () => {
		const proxy = { addressHeader: 'x-forwarded-for', xffDepth: 1 };
		const { url } = await startServer({ proxy, limits: { handshakesPerSecondPerAddress: 2, handshakeBurstPerAddress: 20 } });
		const from = (address: string) => ({ 'x-forwarded-for': `10.9.9.9, ${address}` });
		const started = Date.now();
		const polls = await Promise.all(Array.from({ length: 60 }, () => pollingHandshake(url, from('203.0.113.7'))));
		const elapsed = Date.now() - started;
		const admitted = polls.filter((poll) => poll.status === 200).length;
		expect(admitted).toBeGreaterThanOrEqual(20);
		expect(admitted).toBeLessThanOrEqual(20 + Math.ceil((2 * elapsed) / 1000) + 1);
		for (const poll of polls.filter((p) => p.status !== 200)) {
			expect(poll.status).toBe(429);
			expect(JSON.parse(poll.body)).toEqual({ status: 429, message: 'Too many new connections from this address: slow down' });
		}
		// The same address over websocket: refused too, with the same fixed body.
		const refused = await openRaw(url, from('203.0.113.7')).then(
			(socket) => (socket.close(), undefined),
			(problem: { status?: number; body?: string }) => problem
		);
		expect(refused?.status).toBe(429);
		expect(JSON.parse(refused!.body!)).toEqual({ status: 429, message: 'Too many new connections from this address: slow down' });
		// The address comes from the proxy header as getClientAddress() reads it: another client is admitted.
		expect((await pollingHandshake(url, from('198.51.100.4'))).status).toBe(200);
		await connected(url, 'session=s-bob', undefined, from('198.51.100.4'));
	});

	it('caps the connections one address holds open, and admits again once one closes', async () => {
		const { url } = await startServer({ limits: { maxConnectionsPerAddress: 5 } });
		try {
			await Promise.all(Array.from({ length: 5 }, () => connected(url, 'session=s-alice')));
			const refused = await openRaw(url, { cookie: 'session=s-alice' }).then(
				(socket) => (socket.close(), undefined),
				(problem: { status?: number; body?: string }) => problem
			);
			expect(refused?.status).toBe(429);
			expect(JSON.parse(refused!.body!)).toEqual({ status: 429, message: 'Too many connections from this address' });
			expect((await pollingHandshake(url)).status).toBe(429);
			sockets.shift()!.close();
			await eventually(async () => {
				const socket = await openRaw(url, { cookie: 'session=s-alice' });
				sockets.push(socket);
			}, 3000, 50);
		} finally {
			closeAll();
		}
	});

	it('caps handshakes per second and connections of the whole process, whatever the address', async () => {
		const proxy = { addressHeader: 'x-real-ip' };
		const rate = await startServer({ proxy, limits: { handshakesPerSecond: 10 } });
		const started = Date.now();
		const polls = await Promise.all(Array.from({ length: 40 }, (_, i) => pollingHandshake(rate.url, { 'x-real-ip': `192.0.2.${i}` })));
		const admitted = polls.filter((poll) => poll.status === 200).length;
		expect(admitted).toBeGreaterThanOrEqual(10);
		expect(admitted).toBeLessThanOrEqual(10 + Math.ceil((10 * (Date.now() - started)) / 1000) + 1);
		expect(JSON.parse(polls.find((poll) => poll.status === 429)!.body)).toEqual({ status: 429, message: 'Too many new connections: try again shortly' });

		const cap = await startServer({ proxy, limits: { maxConnections: 6 } });
		try {
			await Promise.all(Array.from({ length: 6 }, (_, i) => connected(cap.url, 'session=s-alice', undefined, { 'x-real-ip': `192.0.2.${i}` })));
			const refused = await openRaw(cap.url, { 'x-real-ip': '198.51.100.99' }).then(
				(socket) => (socket.close(), undefined),
				(problem: { status?: number; body?: string }) => problem
			);
			expect(refused?.status).toBe(429);
			expect(JSON.parse(refused!.body!)).toEqual({ status: 429, message: 'The server holds as many connections as it may: try again shortly' });
		} finally {
			closeAll();
		}
	});

	it('an office of 200 users behind one address, 2 or 3 tabs each, all connect at once and work, with the defaults', async () => {
		const { url } = await startServer();
		const office = Array.from({ length: 200 }, (_, i) => {
			const id = `s-office-${i}`;
			sessions.set(id, { ...users.bob, id: `u-office-${i}`, name: `Clerk ${i}` });
			return id;
		});
		const tabs = office.flatMap((session, i) => Array.from({ length: 2 + (i % 2) }, () => createTestClient(url, `session=${session}`)));
		try {
			expect(tabs.length).toBe(500);
			const rooms = tabs.map((tab, i) => tab.live(open, { slot: `desk-${i}` }));
			const answers = await Promise.all(rooms.map((room) => room.ping()));
			expect(answers).toEqual(rooms.map((_, i) => `pong desk-${i}`));
		} finally {
			for (const tab of tabs) tab.close();
			for (const session of office) sessions.delete(session);
		}
	}, 60_000);
});

describe('call memory, capped per user and in the process', () => {
	const passThrough = { '~standard': { version: 1 as const, vendor: 'test', validate: (value: unknown) => ({ value }) } };

	it("one user's connections × calls, closed: the oldest answers are forgotten past the user's cap, the newest are still answered once", async () => {
		const runs = new Map<string, number>();
		const answer = call(passThrough, (input: unknown) => {
			const { tag } = input as { tag: string };
			runs.set(tag, (runs.get(tag) ?? 0) + 1);
			return 'a'.repeat(1000);
		});
		const memo = { answer };
		const { url } = await startServer({
			contracts: { ...contracts, 'memo/[id]': memo },
			limits: { maxCallMemoryBytesPerUser: 64 * 1024, callsPerSecondPerUser: Infinity, callBurstPerUser: Infinity }
		});
		const clientKey = (c: number) => `attacker-client-key-${String(c).padStart(4, '0')}`;
		try {
			// 30 connections (each its own client key) × 50 numbered calls, never acknowledged: ~1.1 kB each, 1.7 MB in all.
			for (let c = 0; c < 30; c++) {
				const socket = await connected(url, 'session=s-eve', { k: clientKey(c) });
				const [, joined] = (await socket.ask('j', 'memo/[id]', { id: 'x' })) as [null, { ref: number }];
				const answers = await Promise.all(Array.from({ length: 50 }, (_, n) => socket.ask('c', joined.ref, 'answer', { tag: `${c}/${n + 1}` }, n + 1, 0)));
				for (const [error] of answers) expect(error).toBeNull();
				socket.close();
			}
			expect([...runs.values()].every((count) => count === 1)).toBe(true);
			// The first client's calls were pushed out by the 1,500 after them: sent again, one runs again.
			const first = await connected(url, 'session=s-eve', { k: clientKey(0) });
			const [, a] = (await first.ask('j', 'memo/[id]', { id: 'x' })) as [null, { ref: number }];
			expect((await first.ask('c', a.ref, 'answer', { tag: '0/1' }, 1, 0))[0]).toBeNull();
			expect(runs.get('0/1')).toBe(2);
			// The last client's last call is still remembered: answered, not run again.
			const last = await connected(url, 'session=s-eve', { k: clientKey(29) });
			const [, b] = (await last.ask('j', 'memo/[id]', { id: 'x' })) as [null, { ref: number }];
			expect(await last.ask('c', b.ref, 'answer', { tag: '29/50' }, 50, 0)).toEqual([null, 'a'.repeat(1000)]);
			expect(runs.get('29/50')).toBe(1);
		} finally {
			closeAll();
		}
	}, 30_000);

	it('the process-wide cap forgets the oldest answers of every user together', async () => {
		const runs = new Map<string, number>();
		const answer = call(passThrough, (input: unknown) => {
			const { tag } = input as { tag: string };
			runs.set(tag, (runs.get(tag) ?? 0) + 1);
			return 'b'.repeat(1000);
		});
		const { url } = await startServer({
			contracts: { ...contracts, 'memo/[id]': { answer } },
			limits: { maxCallMemoryBytes: 32 * 1024 }
		});
		try {
			const keyOf = (who: string) => `process-cap-key-${who}`;
			for (const who of ['alice', 'bob']) {
				const socket = await connected(url, `session=s-${who}`, { k: keyOf(who) });
				const [, joined] = (await socket.ask('j', 'memo/[id]', { id: 'x' })) as [null, { ref: number }];
				await Promise.all(Array.from({ length: 40 }, (_, n) => socket.ask('c', joined.ref, 'answer', { tag: `${who}/${n + 1}` }, n + 1, 0)));
				socket.close();
			}
			// 80 answers of ~1.1 kB against 32 kB: alice's (the oldest) are all gone, bob's latest kept.
			const alice = await connected(url, 'session=s-alice', { k: keyOf('alice') });
			const [, a] = (await alice.ask('j', 'memo/[id]', { id: 'x' })) as [null, { ref: number }];
			await alice.ask('c', a.ref, 'answer', { tag: 'alice/40' }, 40, 0);
			expect(runs.get('alice/40')).toBe(2);
			const bob = await connected(url, 'session=s-bob', { k: keyOf('bob') });
			const [, b] = (await bob.ask('j', 'memo/[id]', { id: 'x' })) as [null, { ref: number }];
			await bob.ask('c', b.ref, 'answer', { tag: 'bob/40' }, 40, 0);
			expect(runs.get('bob/40')).toBe(1);
		} finally {
			closeAll();
		}
	});
});
