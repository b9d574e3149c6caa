import type { Socket as TcpSocket } from 'node:net';
import * as v from 'valibot';
import { describe, expect, it, onTestFinished } from 'vitest';
import WebSocket from 'ws';
import { call, event, join } from 'liverpc/server';
import type { JoinAck } from '../src/runtime/shared/protocol.js';
import { connect, contracts, eventually, rawConnected, startServer } from './harness.js';

// Volatile events (#21): cursors and "typing…". Not logged (no seq, not in a join's
// events, not resumed), each member's emits coalesced past `limits.volatilePerSecond`,
// and the first thing dropped for a connection that reads slowly.

const counts = { joins: 0 };

const cursor = event<{ userId: string; x: number }>({ volatile: { key: 'userId' } });
const note = event<{ n: number; text?: string }>();
/** A board where members move a cursor (volatile, latest per user) and post notes (logged). */
const board = {
	cursor,
	note,
	enter: join(() => {
		counts.joins++;
		return {};
	}),
	move: call(v.object({ x: v.number() }), ({ x }, { locals }) => cursor.emit({ userId: locals.user?.id ?? 'anonymous', x })),
	/** Moves `count` times in one call: x from 0 to count - 1. */
	sweep: call(v.object({ count: v.number() }), ({ count }, { locals }) => {
		for (let x = 0; x < count; x++) cursor.emit({ userId: locals.user?.id ?? 'anonymous', x });
	}),
	post: call(v.object({ n: v.number() }), ({ n }) => note.emit({ n }))
};
const ROUTE = 'board/[boardId]';

function serve(limits: Record<string, number> = {}) {
	return startServer({ contracts: { ...contracts, [ROUTE]: board }, limits });
}

/** Parses the EVENT frames (`42["e", key, name, payload, seq?, id?]`) among raw frames. */
function events(frames: string[]): unknown[][] {
	return frames.filter((frame) => frame.startsWith('42["e"')).map((frame) => (JSON.parse(frame.slice(2)) as unknown[]).slice(1));
}

describe('volatile events', () => {
	it('refuses id or history at declaration, and a volatile that is neither true nor { key }', () => {
		expect(() => event<{ id: number }>({ volatile: true, id: 'id' } as never)).toThrow(/cannot have `id` or `history`/);
		expect(() => event<{ id: number }>({ volatile: true, history: () => [] } as never)).toThrow(/cannot have `id` or `history`/);
		expect(() => event<{ id: number }>({ volatile: { key: '' } } as never)).toThrow(/takes true, or \{ key \}/);
		expect(() => event<{ id: number }>({ volatile: 'yes' } as never)).toThrow(/takes true, or \{ key \}/);
	});

	it('reach every member with no seq, and do not move their position nor make them re-join', async () => {
		const { url } = await serve();
		const alice = connect(url, 'session=s-alice').live(board, { boardId: '1' });
		const raw = await rawConnected(url, 'session=s-bob');
		const [error, ack] = (await raw.ask('j', ROUTE, { boardId: '1' }, null)) as [null, JoinAck];
		expect(error).toBeNull();
		await eventually(() => expect(alice.status).toBe('joined'));
		const seen: number[] = [];
		alice.on('cursor', ({ x }) => seen.push(x));
		const joinsBefore = counts.joins;

		await alice.move({ x: 1 });
		await alice.move({ x: 2 });
		await alice.post({ n: 1 });
		await eventually(() => expect(events(raw.frames)).toHaveLength(3));
		const [first, second, logged] = events(raw.frames);
		// Exactly room key, name, payload: no seq, no id.
		expect(first).toEqual([ack.room, 'cursor', { userId: 'u-alice', x: 1 }]);
		expect(second).toEqual([ack.room, 'cursor', { userId: 'u-alice', x: 2 }]);
		// The logged event is the next in the room's log after the join: volatile ones took no seq.
		expect(logged).toEqual([ack.room, 'note', { n: 1 }, ack.log[1] + 1]);
		await eventually(() => expect(seen).toEqual([1, 2]));
		await new Promise((resolve) => setTimeout(resolve, 100));
		expect(counts.joins).toBe(joinsBefore);
		expect(alice.status).toBe('joined');
	});

	it('are not in a later join’s events, nor in what a re-join resumes', async () => {
		const { url } = await serve();
		const raw = await rawConnected(url, 'session=s-bob');
		const [, first] = (await raw.ask('j', ROUTE, { boardId: '2' }, null)) as [null, JoinAck];
		const alice = connect(url, 'session=s-alice').live(board, { boardId: '2' });
		await eventually(() => expect(alice.status).toBe('joined'));
		await alice.move({ x: 7 });
		await alice.post({ n: 1 });
		await alice.move({ x: 8 });
		await eventually(() => expect(events(raw.frames)).toHaveLength(3));

		// A member coming back from where `raw` joined gets the logged event only.
		const again = await rawConnected(url, 'session=s-eve');
		const [, resumed] = (await again.ask('j', ROUTE, { boardId: '2' }, [...first.log, null])) as [null, JoinAck];
		expect(resumed.resumed).toBe(true);
		expect(resumed.events).toEqual([['note', { n: 1 }, first.log[1] + 1]]);
		// A first join gets none of them (this board has no history).
		const fresh = await rawConnected(url, 'session=s-eve');
		const [, joined] = (await fresh.ask('j', ROUTE, { boardId: '2' }, null)) as [null, JoinAck];
		expect(joined.events).toEqual([]);
	});

	it('are coalesced past volatilePerSecond per member: the burst, then only the latest', { timeout: 15_000 }, async () => {
		const { url } = await serve({ volatilePerSecond: 5 });
		const alice = connect(url, 'session=s-alice').live(board, { boardId: '3' });
		const bob = connect(url, 'session=s-bob').live(board, { boardId: '3' });
		await eventually(() => expect([alice.status, bob.status]).toEqual(['joined', 'joined']));
		const seen: number[] = [];
		bob.on('cursor', ({ x }) => seen.push(x));

		// One move per call, each answered before the next: Bob's connection takes each at once.
		for (let x = 0; x < 20; x++) await alice.move({ x });
		await eventually(() => expect(seen.at(-1)).toBe(19));
		await new Promise((resolve) => setTimeout(resolve, 400));
		// Five at once (the burst), then the latest of the 15 held back; the rest dropped.
		expect(seen).toEqual([0, 1, 2, 3, 4, 19]);

		// Fifty in one call: never more than the rate, and the last one always arrives.
		seen.length = 0;
		await new Promise((resolve) => setTimeout(resolve, 1000)); // the bucket fills again
		await alice.sweep({ count: 50 });
		await eventually(() => expect(seen.at(-1)).toBe(49));
		await new Promise((resolve) => setTimeout(resolve, 400));
		expect(seen.length).toBeLessThanOrEqual(6);
		expect(seen).toEqual([...seen].sort((a, b) => a - b));

		// Another member has its own rate: Bob's first moves go at once, though Alice's rate is spent.
		await alice.sweep({ count: 50 });
		const fromBob: number[] = [];
		alice.on('cursor', ({ userId, x }) => userId === 'u-bob' && fromBob.push(x));
		await bob.sweep({ count: 3 });
		// At once, not at Alice's pace (one each 200 ms); the latest of the three at least.
		await eventually(() => expect(fromBob.at(-1)).toBe(2), 150);

		// Emits from outside any handler (a job) are the app's own pace: not limited.
		const pushed: number[] = [];
		bob.on('cursor', ({ userId, x }) => userId.startsWith('job') && pushed.push(x));
		// (One key each: a connection still writing keeps only the latest per key.)
		for (let x = 0; x < 30; x++) board.cursor.to({ boardId: '3' }).emit({ userId: `job-${x}`, x });
		await eventually(() => expect(pushed).toHaveLength(30));
	});

	it('are dropped for a reader that stopped reading, while its logged events still arrive, all and in order', async () => {
		const cap = 1024 * 1024;
		const { url, server } = await serve({ maxBufferedBytes: cap });
		const other = connect(url, 'session=s-eve').live(board, { boardId: '4' });
		await eventually(() => expect(other.status).toBe('joined'));
		const otherCursors: number[] = [];
		other.on('cursor', ({ x }) => otherCursors.push(x));

		const engine = server.io.engine as unknown as { clients: Record<string, { readyState: string }> };
		const others = new Set(Object.keys(engine.clients));
		const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/_liverpc/?EIO=4&transport=websocket`);
		onTestFinished(() => ws.terminate());
		const frames: string[] = [];
		ws.on('message', (data: Buffer) => {
			const frame = data.toString();
			if (frame === '2') ws.send('3');
			else frames.push(frame);
		});
		ws.on('error', () => {});
		await new Promise((resolve) => ws.once('open', resolve));
		ws.send('40');
		await eventually(() => expect(frames.some((frame) => frame.startsWith('40{'))).toBe(true));
		ws.send(`421${JSON.stringify(['j', ROUTE, { boardId: '4' }, null])}`);
		await eventually(() => expect(frames.some((frame) => frame.startsWith('431[null'))).toBe(true));
		const tcp = (ws as unknown as { _socket: TcpSocket })._socket;
		tcp.pause();

		// Logged notes of 16 kB until the server holds more than a quarter of the cap for it
		// (the kernel's buffers fill first), never the whole cap: it stays connected.
		const reader = Object.entries(engine.clients).find(([id]) => !others.has(id))![1];
		const text = 'n'.repeat(16 * 1024);
		let notes = 0;
		while (held(reader) <= cap / 4 && notes < 2000) {
			board.note.to({ boardId: '4' }).emit({ n: ++notes, text });
			if (notes % 10 === 0) await new Promise((resolve) => setTimeout(resolve, 5));
		}
		expect(held(reader)).toBeGreaterThan(cap / 4);
		expect(held(reader)).toBeLessThan(cap);
		for (let x = 0; x < 20; x++) board.cursor.to({ boardId: '4' }).emit({ userId: `job-${x}`, x });
		board.note.to({ boardId: '4' }).emit({ n: ++notes, text });

		// The member that reads gets every cursor; the slow one none of them, once it reads again.
		await eventually(() => expect(otherCursors).toHaveLength(20));
		tcp.resume();
		await eventually(() => expect(events(frames).filter(([, name]) => name === 'note')).toHaveLength(notes), 10_000);
		const received = events(frames);
		expect(received.filter(([, name]) => name === 'note').map(([, , payload]) => (payload as { n: number }).n)).toEqual(Array.from({ length: notes }, (_, index) => index + 1));
		expect(received.filter(([, name]) => name === 'cursor')).toEqual([]);
		expect(reader.readyState).toBe('open');
	});
});

/** What the server holds unsent for one connection (its write buffer and websocket), as the cap measures it. */
function held(client: object): number {
	const socket = client as { writeBuffer: { data?: unknown }[]; transport: { name: string; socket?: { bufferedAmount: number } } };
	let bytes = 0;
	for (const packet of socket.writeBuffer) if (typeof packet.data === 'string') bytes += packet.data.length;
	if (socket.transport.name === 'websocket') bytes += socket.transport.socket?.bufferedAmount ?? 0;
	return bytes;
}
