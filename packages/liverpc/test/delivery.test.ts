import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createClient, type LiveClient } from 'liverpc/client';
import { attach, type AttachOptions, type LiveServer } from 'liverpc/node';
import { handle } from './fixtures/hooks.socket.js';
import { feed as store, type FeedPost } from './fixtures/store.js';
import { chat, connect, contracts, eventually, feed, rawConnected, rejection, startServer } from './harness.js';

// Issue #9: every event of a room reaches each member exactly once and in order — during
// its join, across a reconnect (from the server's buffer) and across a restart (from the
// event's `history`) — and calls survive a reconnect without running twice.

beforeEach(() => store.reset());

/** A member of a feed that records every post it is given, as ids, in arrival order. */
function member(client: LiveClient, feedId = 'f1') {
	const room = client.live(feed, { feedId });
	const ids: number[] = [];
	room.on('post', (post: FeedPost) => ids.push(post.id));
	return { room, ids };
}

/** The store's ids of a feed, in order: what every member must end up with. */
const storedIds = (feedId = 'f1') => store.posts.filter((post) => post.feedId === feedId).map((post) => post.id);

/** Cuts every transport of the server, as a network loss would; clients reconnect by themselves. */
function cutConnections(server: LiveServer): void {
	for (const socket of server.io.of('/').sockets.values()) socket.conn.close();
}

/** A server that can be stopped and started again on the same port, like a restarted process. */
async function restartableServer(options: Partial<AttachOptions> = {}) {
	let httpServer = http.createServer();
	let live = attach(httpServer, { handle, contracts, ...options });
	await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
	const { port } = httpServer.address() as AddressInfo;
	const servers = {
		url: `http://127.0.0.1:${port}`,
		get live() {
			return live;
		},
		stop: () => live.close(),
		async start() {
			httpServer = http.createServer();
			live = attach(httpServer, { handle, contracts, ...options });
			await new Promise<void>((resolve) => httpServer.listen(port, '127.0.0.1', resolve));
		}
	};
	stops.push(() => live.close());
	return servers;
}
const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
	for (const stop of stops.splice(0)) await stop();
});

describe('gap-free joins', () => {
	it('gives each member every post exactly once while guards await 50–200 ms and posts keep coming', async () => {
		// The last ping emitted when each join reached the server: its guard starts then, in
		// join order (the writer's first).
		let lastPing = -1;
		const pingAtGuard: number[] = [];
		store.guardDelay = () => {
			pingAtGuard.push(lastPing);
			return 50 + Math.random() * 150;
		};
		const { url } = await startServer({ limits: { callsPerSecond: 1000, callBurst: 1000 } });
		const writer = member(connect(url, 'session=s-alice'));
		await eventually(() => expect(writer.room.status).toBe('joined'), 3000);

		// ~300 posts over ~1.5 s, each awaiting the slow store, and a ping (no history: only
		// the join's own log position can bring those) with each; members join all along.
		const members: Array<ReturnType<typeof member> & { pings: number[] }> = [];
		const sends: Array<Promise<unknown>> = [];
		for (let i = 0; i < 300; i++) {
			sends.push(writer.room.publish({ text: `post ${i}` }));
			feed.ping.to({ feedId: 'f1' }).emit({ n: i });
			lastPing = i;
			if (i % 30 === 0) {
				const joining = { ...member(connect(url, 'session=s-bob')), pings: [] as number[] };
				joining.room.on('ping', ({ n }) => joining.pings.push(n));
				members.push(joining);
			}
			await new Promise((resolve) => setTimeout(resolve, 5));
		}
		await Promise.all(sends);
		for (const { room } of members) await eventually(() => expect(room.status).toBe('joined'), 3000);
		expect(pingAtGuard).toHaveLength(members.length + 1);
		for (const [index, { pings }] of members.entries()) {
			// Every ping from the moment the join reached the server (how long after live()
			// that is depends on the machine), none lost while its guard awaited, none twice,
			// in order.
			expect(pings[0]).toBeLessThanOrEqual(pingAtGuard[index + 1]! + 1);
			expect(pings).toEqual(Array.from({ length: 300 - pings[0]! }, (_, k) => pings[0]! + k));
		}

		const expected = storedIds();
		expect(expected).toHaveLength(300);
		for (const { ids } of [writer, ...members]) {
			await eventually(() => expect(ids.length).toBeGreaterThanOrEqual(expected.length), 3000);
			expect(ids).toEqual(expected); // none lost, none doubled, in order
		}
		// First joins read the history; none of them could be served from the buffer alone.
		expect(store.historyReads).toBe(members.length + 1);
	});

	it('delivers every join event to every listener when one of them throws', async () => {
		const { url } = await startServer();
		for (const text of ['a', 'b', 'c']) await store.add('f1', 'u-bob', text);
		const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
		const room = connect(url, 'session=s-alice').live(feed, { feedId: 'f1' });
		const seen: number[] = [];
		room.on('post', () => {
			throw new Error('a bug in the page');
		});
		room.on('post', (post) => seen.push(post.id));
		await eventually(() => expect(seen).toEqual([1, 2, 3]));
		expect(logged).toHaveBeenCalledTimes(3);
		logged.mockRestore();
	});
});

describe('resume after a reconnect', () => {
	it('brings a member back with what it missed from the buffer, once, after its guard ran again', async () => {
		const { url, server } = await startServer();
		const alice = member(connect(url, 'session=s-alice'));
		await eventually(() => expect(alice.room.status).toBe('joined'));
		await alice.room.publish({ text: 'before' });
		const joinsBefore = store.joins;
		const readsBefore = store.historyReads;

		cutConnections(server);
		// Emitted in the same turn as the cut: the member cannot have them yet.
		for (const text of ['while away 1', 'while away 2']) feed.post.to({ feedId: 'f1' }).emit(await store.add('f1', 'u-bob', text));
		feed.ping.to({ feedId: 'f1' }).emit({ n: 1 });
		const pings: number[] = [];
		alice.room.on('ping', ({ n }) => pings.push(n));

		await eventually(() => expect(alice.room.status).toBe('reconnecting'));
		await eventually(() => expect(alice.room.status).toBe('joined'));
		await alice.room.publish({ text: 'after' });
		await eventually(() => expect(alice.ids).toHaveLength(4));
		expect(alice.ids).toEqual(storedIds());
		expect(pings).toEqual([1]); // an event without history comes back from the buffer too
		expect(alice.room.resumed).toBe(true);
		expect(store.joins).toBe(joinsBefore + 1); // the guard ran again, with the new locals
		expect(store.historyReads).toBe(readsBefore); // the buffer was enough
	});

	it('fills a gap across a restart from the history, with the last id the member had', async () => {
		const servers = await restartableServer();
		const alice = member(connect(servers.url, 'session=s-alice'));
		await eventually(() => expect(alice.room.status).toBe('joined'));
		await alice.room.publish({ text: 'one' });
		await eventually(() => expect(alice.ids).toEqual([1]));

		await servers.stop(); // the buffer dies with the process
		await eventually(() => expect(alice.room.status).toBe('reconnecting'));
		await store.add('f1', 'u-bob', 'posted by another process');
		await store.add('f1', 'u-bob', 'and another');
		await servers.start();

		await eventually(() => expect(alice.room.status).toBe('joined'), 5000);
		await alice.room.publish({ text: 'four' });
		await eventually(() => expect(alice.ids).toHaveLength(4));
		expect(alice.ids).toEqual([1, 2, 3, 4]);
		expect(alice.room.resumed).toBe(true);
	});

	it('tells the page plainly when the history says it could not give everything missed', async () => {
		const servers = await restartableServer();
		const alice = member(connect(servers.url, 'session=s-alice'));
		await eventually(() => expect(alice.room.status).toBe('joined'));
		await alice.room.publish({ text: 'seen' });
		await eventually(() => expect(alice.ids).toEqual([1]));
		expect(alice.room.resumed).toBe(true);

		await servers.stop();
		await eventually(() => expect(alice.room.status).toBe('reconnecting'));
		store.maxMissed = 2;
		for (const text of ['a', 'b', 'c']) await store.add('f1', 'u-bob', text);
		await servers.start();
		await eventually(() => expect(alice.room.resumed).toBe(false), 5000);
		expect(alice.room.status).toBe('joined');
		await alice.room.publish({ text: 'after the gap' });
		await eventually(() => expect(alice.ids).toEqual([1, 5]));
	});

	it('tells the page plainly when neither the buffer nor a history can fill the gap', async () => {
		// chat's `notice` event has no history; this server keeps 2 events per room.
		const small = await startServer({ buffer: { size: 2 } });
		const roomOf = (url: string) => {
			const room = connect(url, 'session=s-alice').live(chat, { roomId: '1' });
			const notices: string[] = [];
			room.on('notice', ({ text }) => notices.push(text));
			return { room, notices };
		};
		const shortBuffer = roomOf(small.url);
		const normal = await startServer();
		const longBuffer = roomOf(normal.url);
		await eventually(() => expect([shortBuffer.room.status, longBuffer.room.status]).toEqual(['joined', 'joined']));

		for (const { server } of [small, normal]) cutConnections(server);
		for (let i = 0; i < 5; i++) chat.notice.to({ roomId: '1' }).emit({ text: String(i) });
		// Each has re-joined once this holds (a status check could still see the old join).
		await eventually(() => expect(longBuffer.notices).toHaveLength(5));
		await eventually(() => expect(shortBuffer.room.resumed).toBe(false));
		expect([shortBuffer.room.status, longBuffer.room.status]).toEqual(['joined', 'joined']);

		expect(longBuffer.room.resumed).toBe(true);
		expect(longBuffer.notices).toEqual(['0', '1', '2', '3', '4']);
		expect(shortBuffer.room.resumed).toBe(false);
		expect(shortBuffer.notices).toEqual([]); // half a gap is not passed off as none
	});

	it('refuses a resume position that is not one, with a fixed 400, and keeps serving', async () => {
		const { url } = await startServer();
		const raw = await rawConnected(url);
		const invalid = { status: 400, message: 'Invalid resume position' };
		const hostile: unknown[] = [
			{ toString: 1 },
			'e.1',
			[1, 2],
			['e.1', -1],
			['e.1', 1.5],
			['x'.repeat(1000), 1],
			['e.1', 1, { post: { toString: 1 } }],
			['e.1', 1, { nope: 1 }],
			['e.1', 1, { ping: 1 }], // an event without ids has no last id
			['e.1', 1, JSON.parse('{"__proto__": 1}')],
			['e.1', 1, [1]],
			['e.1', 1, { post: 'x'.repeat(300) }],
			// One argument too many: a resume has three at most.
			['e.1', 1, null, { a: 1 }]
		];
		for (const resume of hostile) {
			expect(await raw.ask('j', 'feed/[feedId]/feed', { feedId: 'f1' }, resume)).toEqual([invalid]);
		}
		// A position in another log (another process, a restarted one): the store fills the gap.
		const [error, joined] = await raw.ask('j', 'feed/[feedId]/feed', { feedId: 'f1' }, ['elsewhere.1', 3, { post: 2 }]);
		expect(error).toBeNull();
		expect(joined).toMatchObject({ resumed: true, events: [] }); // a position from another log: the history filled it
	});
});

describe('calls across a reconnect', () => {
	it('holds a call made while the room is reconnecting and sends it after the re-join', async () => {
		const { url, server } = await startServer();
		const alice = member(connect(url, 'session=s-alice'));
		await eventually(() => expect(alice.room.status).toBe('joined'));
		cutConnections(server);
		await eventually(() => expect(alice.room.status).toBe('reconnecting'));
		const saved = await alice.room.publish({ text: 'held' });
		expect(saved).toMatchObject({ text: 'held', userId: 'u-alice' });
		expect(store.runs.get('held')).toBe(1);
	});

	it('sends a call whose ack was lost again after the re-join, and it runs once', async () => {
		const { url, server } = await startServer();
		const alice = member(connect(url, 'session=s-alice'));
		await eventually(() => expect(alice.room.status).toBe('joined'));
		const reply = alice.room.publish({ text: 'lost ack', wait: 100 });
		await eventually(() => expect(store.runs.get('lost ack')).toBe(1));
		cutConnections(server); // the handler is still running: its ack has nowhere to go
		const saved = await reply;
		expect(saved).toMatchObject({ text: 'lost ack' });
		expect(store.runs.get('lost ack')).toBe(1);
		expect(store.posts.filter((post) => post.text === 'lost ack')).toHaveLength(1);
		await eventually(() => expect(alice.ids).toEqual([saved.id]));
	});

	it('answers a call number used again for another call with 409', async () => {
		const { url } = await startServer();
		const raw = await rawConnected(url, 'session=s-alice', { k: 'raw-client-key-0001' });
		const [, joined] = (await raw.ask('j', 'feed/[feedId]/feed', { feedId: 'f1' }, null)) as [null, { ref: number }];
		const first = await raw.ask('c', joined.ref, 'publish', { text: 'numbered' }, 7);
		expect(first[0]).toBeNull();
		expect(await raw.ask('c', joined.ref, 'publish', { text: 'numbered' }, 7)).toEqual(first); // a copy: the first answer
		expect(await raw.ask('c', joined.ref, 'publish', { text: 'other' }, 7)).toEqual(first); // same call and room: still a copy
		const [, other] = (await raw.ask('j', 'feed/[feedId]/feed', { feedId: 'f2' }, null)) as [null, { ref: number }];
		expect(await raw.ask('c', other.ref, 'publish', { text: 'x' }, 7)).toEqual([{ status: 409, message: 'This call number was used for another call' }]);
		expect(store.runs.get('numbered')).toBe(1);
		expect(store.runs.get('other')).toBeUndefined();
	});

	it('forgets the answers below the number the client says it has every answer under', async () => {
		const { url } = await startServer();
		const raw = await rawConnected(url, 'session=s-alice', { k: 'raw-client-key-0002' });
		const [, joined] = (await raw.ask('j', 'feed/[feedId]/feed', { feedId: 'f1' }, null)) as [null, { ref: number }];
		const first = await raw.ask('c', joined.ref, 'publish', { text: 'one' }, 1, 1);
		expect(await raw.ask('c', joined.ref, 'publish', { text: 'one' }, 1, 1)).toEqual(first); // still remembered
		await raw.ask('c', joined.ref, 'publish', { text: 'two' }, 2, 2); // "I have every answer below 2"
		// Only a client that lied about having the answer can make call 1 run again.
		expect(await raw.ask('c', joined.ref, 'publish', { text: 'one' }, 1, 2)).not.toEqual(first);
		expect(store.runs.get('one')).toBe(2);
		// A client cannot make the server forget the call it is making.
		const three = await raw.ask('c', joined.ref, 'publish', { text: 'three' }, 3, 99);
		expect(await raw.ask('c', joined.ref, 'publish', { text: 'three' }, 3, 99)).toEqual(three);
		expect(store.runs.get('three')).toBe(1);
	});

	it('rejects a held call with 504 once it has waited callTimeout, and a call past maxHeldCalls with 429', async () => {
		const servers = await restartableServer();
		const client = createClient({
			url: servers.url,
			headers: { cookie: 'session=s-alice' },
			callTimeout: 200,
			maxHeldCalls: 2,
			socket: { reconnectionDelay: 20, reconnectionDelayMax: 100 }
		});
		stops.push(async () => client.close());
		const room = client.live(feed, { feedId: 'f1' });
		await eventually(() => expect(room.status).toBe('joined'));
		await servers.stop();
		await eventually(() => expect(room.status).toBe('reconnecting'));

		const held = [room.publish({ text: 'a' }), room.publish({ text: 'b' })];
		expect(await rejection(room.publish({ text: 'c' }))).toMatchObject({ status: 429, message: 'Too many calls waiting for the room to be joined' });
		for (const call of held) {
			expect(await rejection(call)).toMatchObject({ status: 504, message: 'The room was not joined in time; the call was not sent' });
		}
		expect(store.runs.size).toBe(0);
	});
});

describe('shutdown', () => {
	it('answers the calls already running, leaves new ones to the next process, and runs each once', async () => {
		const servers = await restartableServer();
		const alice = member(connect(servers.url, 'session=s-alice'));
		await eventually(() => expect(alice.room.status).toBe('joined'));
		const running = alice.room.publish({ text: 'running', wait: 150 });
		await eventually(() => expect(store.runs.get('running')).toBe(1));

		const stopping = servers.live.shutdown({ timeout: 10_000 });
		const late = alice.room.publish({ text: 'late' }); // arrives while the server shuts down
		await stopping;
		expect(await running).toMatchObject({ text: 'running' });
		expect(store.runs.get('late')).toBeUndefined(); // not run by the stopping server

		await servers.stop();
		await servers.start();
		expect(await late).toMatchObject({ text: 'late' });
		expect(store.runs.get('late')).toBe(1);
		await eventually(() => expect(alice.ids).toEqual(storedIds()));
	});
});

describe('an event lost on a connection that stays up', () => {
	it('is noticed at the next event of the room, which re-joins for it: every ping once, in order', async () => {
		const { url, server } = await startServer();
		const client = connect(url, 'session=s-alice');
		const room = client.live(feed, { feedId: 'f1' });
		const pings: number[] = [];
		room.on('ping', (ping) => pings.push(ping.n));
		await eventually(() => expect(room.status).toBe('joined'));

		// The member's transport loses the next room event, as a long-polling response cut on
		// its way does: Engine.IO does not send it again, and the session stays up.
		const [member] = server.io.of('/').sockets.values();
		const engine = member!.client as unknown as { writeToEngine(packets: unknown[], options: unknown): void };
		const write = engine.writeToEngine.bind(engine);
		let dropped = 0;
		engine.writeToEngine = (packets, options) => {
			if (dropped === 0 && typeof packets[0] === 'string' && packets[0].startsWith('2["e"')) return void dropped++;
			write(packets, options);
		};
		for (let n = 1; n <= 3; n++) feed.ping.to({ feedId: 'f1' }).emit({ n });

		// `ping` has no history: only the server's buffer can bring the lost one back.
		await eventually(() => expect(pings).toEqual([1, 2, 3]));
		expect(dropped).toBe(1);
		expect(room.resumed).toBe(true);
		expect(client.status).toBe('connected');
		feed.ping.to({ feedId: 'f1' }).emit({ n: 4 });
		await eventually(() => expect(pings).toEqual([1, 2, 3, 4]));
	});
});
