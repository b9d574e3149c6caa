import { describe, expect, it } from 'vitest';
import { attach } from 'liverpc/node';
import http from 'node:http';
import { connect, contracts, eventually, open, rawConnected, startServer, stillServing } from './harness.js';
import { messages } from './fixtures/store.js';
import type { RawSocket } from './support/raw-engine-socket.js';
import { pollingHandshake, pollingPost } from './support/raw-engine-polling.js';

// Per-connection limits (#8): one connection must not be able to take the server's time,
// memory or bandwidth from everyone else. Defaults in DEFAULT_LIMITS and docs/security.md.

const connected = rawConnected;

/** Waits until the server has answered every ack id in [from, to] or closed the socket. */
async function answersOrClose(socket: RawSocket, from: number, to: number): Promise<{ answers: unknown[][]; closed: boolean }> {
	let closed = false;
	void socket.closed.then(() => (closed = true));
	const answers: unknown[][] = [];
	for (let id = from; id <= to && !closed; id++) {
		const frame = await Promise.race([socket.next((f) => f.startsWith(`43${id}[`), 5000), socket.closed.then(() => undefined)]);
		if (frame) answers.push(JSON.parse(frame.slice(`43${id}`.length)));
	}
	return { answers, closed };
}

/**
 * Sends `frames` as a client that does not wait for answers would: a few each millisecond
 * for as long as the connection stays open, then reports every answer it got.
 */
async function flood(socket: RawSocket, frames: string[], perTick = 10): Promise<{ answers: unknown[][]; sent: number }> {
	let open = true;
	void socket.closed.then(() => (open = false));
	let sent = 0;
	while (open && sent < frames.length) {
		socket.sendBatch(frames.slice(sent, sent + perTick));
		sent += perTick;
		await new Promise((resolve) => setTimeout(resolve, 1));
	}
	await socket.closed;
	const answers = socket.frames.filter((frame) => /^43\d+\[/.test(frame)).map((frame) => JSON.parse(frame.replace(/^43\d+/, '')) as unknown[]);
	return { answers, sent };
}

describe('limits', () => {
	it('answers 429 to calls over the rate, then closes a connection that keeps flooding; others are served', async () => {
		const { url } = await startServer();
		const victim = connect(url, 'session=s-bob').live(open, { slot: 'victim' });
		await eventually(() => expect(victim.status).toBe('joined'));

		const flooder = await connected(url);
		const [, joined] = (await flooder.ask('j', 'rooms/[roomId]/chat', { roomId: '1' })) as [null, { ref: number }];
		const before = messages.length;
		const calls = Array.from({ length: 20_000 }, (_, i) => `42${i + 2}${JSON.stringify(['c', joined.ref, 'send', { text: `flood ${i}` }])}`);
		const { answers, sent } = await flood(flooder, calls);
		const limited = answers.filter(([error]) => (error as { status?: number } | null)?.status === 429);
		expect(limited.length).toBeGreaterThan(0);
		// The send handler takes 5 ms, so the calls-in-flight cap may answer before the rate does.
		for (const [body] of limited) {
			expect(['Too many calls: slow down', 'Too many calls in flight on this connection']).toContain((body as { message: string }).message);
		}
		expect(sent).toBeLessThan(calls.length); // closed long before the end of the flood
		// Only calls within the rate ran: the burst and what the rate refilled meanwhile.
		const persisted = messages.length - before;
		expect(persisted).toBeGreaterThan(0);
		expect(persisted).toBeLessThanOrEqual(100 + 50 * 3);
		expect(await victim.ping()).toBe('pong victim');
		await stillServing(url);
	});

	it('answers 429 to joins over the rate, and a join/leave flood cannot make the server send much', async () => {
		const { url } = await startServer();
		const socket = await connected(url);
		const frames: string[] = [];
		for (let i = 0; i < 5000; i++) {
			frames.push(`42${i + 1}${JSON.stringify(['j', 'rooms/[roomId]/chat', { roomId: '1' }])}`);
			frames.push(`42["l",1]`);
		}
		const { answers } = await flood(socket, frames);
		const joins = answers.filter(([error]) => error === null).length;
		expect(joins).toBeGreaterThan(0);
		expect(joins).toBeLessThanOrEqual(50 + 10 * 3);
		expect(answers).toContainEqual([{ status: 429, message: 'Too many joins: slow down' }]);
		expect(answers.length).toBeLessThan(5000);
	});

	it('caps the rooms one connection holds, even in a contract without a join guard', async () => {
		const { url } = await startServer({ limits: { maxRooms: 10, joinBurst: 1000, joinsPerSecond: 1000 } });
		const socket = await connected(url);
		const refs: number[] = [];
		for (let slot = 0; slot < 10; slot++) {
			const [error, joined] = (await socket.ask('j', 'open/[slot]', { slot: String(slot) })) as [null, { ref: number }];
			expect(error).toBeNull();
			refs.push(joined.ref);
		}
		expect(await socket.ask('j', 'open/[slot]', { slot: 'eleven' })).toEqual([{ status: 429, message: 'Too many rooms on this connection: leave one first' }]);
		// Joining a room it already holds takes no new place; leaving one frees a place.
		expect((await socket.ask('j', 'open/[slot]', { slot: '3' }))[0]).toBeNull();
		socket.send(`42${JSON.stringify(['l', refs[0]])}`);
		expect((await socket.ask('j', 'open/[slot]', { slot: 'eleven' }))[0]).toBeNull();
	});

	it('caps the calls one connection has in flight', async () => {
		const { url } = await startServer({ limits: { maxCallsInFlight: 3 } });
		const socket = await connected(url);
		const [, joined] = (await socket.ask('j', 'open/[slot]', { slot: 'a' })) as [null, { ref: number }];
		const slow = [1, 2, 3].map(() => socket.ask('c', joined.ref, 'slow', { ms: 300 }));
		expect(await socket.ask('c', joined.ref, 'ping', null)).toEqual([{ status: 429, message: 'Too many calls in flight on this connection' }]);
		expect(await Promise.all(slow)).toEqual([
			[null, 'done'],
			[null, 'done'],
			[null, 'done']
		]);
		expect(await socket.ask('c', joined.ref, 'ping', null)).toEqual([null, 'pong a']);
	});

	it('closes a message over maxMessageBytes, on websocket (1009) and polling (413), and keeps serving', async () => {
		const { url } = await startServer({ limits: { maxMessageBytes: 10_000 } });
		const socket = await connected(url);
		socket.send(`42${JSON.stringify(['c', 1, 'send', { text: 'x'.repeat(10_001) }])}`);
		expect(await socket.closed).toBe(1009);

		const { body } = await pollingHandshake(url);
		const { sid } = JSON.parse(body.slice(1)) as { sid: string };
		expect(await pollingPost(url, sid, `42${JSON.stringify(['j', 'x', 'y'.repeat(10_001)])}`)).toBe(413);
		await stillServing(url);
	});

	it('takes limits from options and refuses options it does not know at startup', () => {
		const server = http.createServer();
		expect(() => attach(server, { contracts, limits: { callsPerSecond: -1 } })).toThrow('limits.callsPerSecond must be a number of at least 1, or Infinity');
		expect(() => attach(server, { contracts, limits: { callsPerSecnd: 5 } as never })).toThrow(/Unknown limit 'callsPerSecnd'/);
		expect(() => attach(server, { contracts, allowedOrigin: ['x'] } as never)).toThrow(/Unknown LiveRPC option 'allowedOrigin'/);
		expect(() => attach(server, { contracts, allowedOrigins: ['evil.example'] })).toThrow(/is not an origin/);
		expect(() => attach(server, { contracts, proxy: { xffDepth: 0 } })).toThrow('proxy.xffDepth must be a positive integer');
	});

	it('turns a limit off with Infinity', async () => {
		const { url } = await startServer({
			// The user's rate across connections (#19) is a limit too: off with the rest.
			limits: { callsPerSecond: Infinity, callBurst: Infinity, callsPerSecondPerUser: Infinity, callBurstPerUser: Infinity }
		});
		const socket = await connected(url);
		const [, joined] = (await socket.ask('j', 'open/[slot]', { slot: 'a' })) as [null, { ref: number }];
		socket.sendBatch(Array.from({ length: 500 }, (_, i) => `42${i + 2}${JSON.stringify(['c', joined.ref, 'ping', null])}`));
		const { answers, closed } = await answersOrClose(socket, 2, 501);
		expect(closed).toBe(false);
		expect(answers).toHaveLength(500);
		expect(answers.every(([error]) => error === null)).toBe(true);
	});
});
