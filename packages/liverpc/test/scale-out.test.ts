// Two processes of one app on a real redis-server, through the `redis` option: Redis orders
// and keeps each room's log, holds presence, carries revocations. Each process is a child
// running the built liverpc (fixtures/cluster-node.mjs); the clients are real socket.io
// clients through liverpc/client.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type LiveClient } from 'liverpc/client';
import { io as connectSocket, type Socket } from 'socket.io-client';
import { PRESENCE_TTL_MS } from '../src/runtime/server/cluster/redis-writer.js';
import { eventually } from './harness.js';
import { freePort, startRedis, type RedisServer } from './support/redis-server.js';
import { startSwitchProxy } from './support/switch-proxy.js';

const NODE_SCRIPT = fileURLToPath(new URL('./fixtures/cluster-node.mjs', import.meta.url));
const PACKAGE = fileURLToPath(new URL('..', import.meta.url));

interface Node {
	url: string;
	child: ChildProcess;
}

let redis: RedisServer;
const nodes: Node[] = [];
const sockets: Socket[] = [];
const clients: LiveClient[] = [];

async function startNode(name: string, env: Record<string, string> = {}): Promise<Node> {
	const port = await freePort();
	const child = spawn(process.execPath, [NODE_SCRIPT], {
		cwd: PACKAGE,
		env: { ...process.env, PORT: String(port), REDIS_URL: redis.url, NAME: name, ...env },
		stdio: ['ignore', 'pipe', 'inherit']
	});
	await new Promise<void>((resolve, reject) => {
		child.stdout!.on('data', (chunk: Buffer) => {
			if (chunk.toString().includes('ready')) resolve();
			process.stdout.write(`[${name}] ${chunk}`);
		});
		child.once('exit', (code) => reject(new Error(`node ${name} exited with ${code}`)));
	});
	const node = { url: `http://127.0.0.1:${port}`, child };
	nodes.push(node);
	return node;
}

function user(node: Node | { url: string }, name: string): LiveClient {
	const client = createClient({ url: node.url, headers: { cookie: `user=${name}` }, backoff: { base: 20, max: 100 }, socket: { reconnectionDelay: 50, reconnectionDelayMax: 200 } });
	clients.push(client);
	return client;
}

// The room as the built fixture declares it, for typed handles.
type Said = { id: string; by: string };
const team = {
	said: { '~liverpc': { kind: 'event', route: 'teams/[team]', name: 'said' } },
	enter: { '~liverpc': { kind: 'join', route: 'teams/[team]', name: 'enter' } },
	online: { '~liverpc': { kind: 'presence', route: 'teams/[team]', name: 'online' } },
	say: { '~liverpc': { kind: 'call', route: 'teams/[team]', name: 'say' } },
	slow: { '~liverpc': { kind: 'call', route: 'teams/[team]', name: 'slow' } }
} as unknown as {
	said: import('liverpc/server').RoomEvent<Said>;
	enter: import('liverpc/server').RoomJoin<undefined>;
	online: import('liverpc/server').RoomPresence<{ id: string; process: string }>;
	say: import('liverpc/server').RoomCall<void, Said>;
	slow: import('liverpc/server').RoomCall<void, string>;
};
const who = (room: { presence: ReadonlyArray<{ id: string; connections: number }> }) =>
	room.presence.map((entry) => `${entry.id}×${entry.connections}`).sort();

beforeAll(async () => {
	redis = await startRedis();
}, 30_000);
afterAll(async () => {
	for (const client of clients) client.close();
	for (const socket of sockets) socket.close();
	for (const node of nodes) node.child.kill('SIGKILL');
	await redis?.close();
});

describe('two processes on Redis', () => {
	it('share rooms, presence, server-side emits and revocation by key; a killed process leaves presence within the bound', async () => {
		const a = await startNode('a');
		const b = await startNode('b');
		const alice = user(a, 'alice').live(team, { team: 'red' });
		const bob = user(b, 'bob').live(team, { team: 'red' });
		const heardByAlice: Said[] = [];
		const heardByBob: Said[] = [];
		alice.on('said', (message) => heardByAlice.push(message));
		bob.on('said', (message) => heardByBob.push(message));
		await eventually(() => expect([alice.status, bob.status]).toEqual(['joined', 'joined']), 10_000, 50);

		// Presence: each process shows both users.
		await eventually(() => expect(who(alice)).toEqual(['alice×1', 'bob×1']), 10_000, 50);
		await eventually(() => expect(who(bob)).toEqual(['alice×1', 'bob×1']), 10_000, 50);

		// Room events both ways.
		const fromAlice = await alice.say();
		await eventually(() => expect(heardByBob).toEqual([fromAlice]), 10_000, 20);
		const fromBob = await bob.say();
		await eventually(() => expect(heardByBob).toEqual([fromAlice, fromBob]), 10_000, 50);
		await eventually(() => expect(heardByAlice).toEqual([fromAlice, fromBob]), 10_000, 50);

		// Server code on process a (a form action's to().emit()) reaches bob on process b.
		await fetch(`${a.url}/emit?team=red`);
		await eventually(() => expect(heardByBob.at(-1)).toMatchObject({ by: 'server' }), 10_000, 50);
		expect(heardByAlice.at(-1)).toEqual(heardByBob.at(-1));

		// A push to bob's key, from process a: his tabs on both processes, in whichever room of
		// the contract, and nobody else.
		const bobOnA = user(a, 'bob').live(team, { team: 'red-2' });
		const heardByBobOnA: Said[] = [];
		bobOnA.on('said', (message) => heardByBobOnA.push(message));
		await eventually(() => expect(bobOnA.status).toBe('joined'), 10_000, 20);
		const aliceHeard = heardByAlice.length;
		await fetch(`${a.url}/push?user=bob`);
		await eventually(() => expect(heardByBob.at(-1)).toMatchObject({ by: 'push' }), 10_000, 20);
		await eventually(() => expect(heardByBobOnA).toEqual([heardByBob.at(-1)]), 10_000, 20);
		await new Promise((resolve) => setTimeout(resolve, 200));
		expect(heardByAlice).toHaveLength(aliceHeard);

		// A logout on process a ends bob's connection on process b at once, by his key.
		const bobClient = clients[1]!; // his client on process b
		let bobDropped = false;
		const watch = setInterval(() => {
			if (bobClient.status !== 'connected') bobDropped = true;
		}, 2);
		try {
			expect(await (await fetch(`${a.url}/revoke?user=bob`)).text()).toBe('1'); // his tab on a
			await eventually(() => expect(bobDropped).toBe(true), 5_000, 10);
		} finally {
			clearInterval(watch);
		}
		await eventually(() => expect(bob.status).toBe('joined'), 10_000, 50);

		// kill -9 process a: its entries leave b's presence once they are not refreshed.
		const killedAt = Date.now();
		a.child.kill('SIGKILL');
		await eventually(() => expect(who(bob)).toEqual(['bob×1']), 2 * PRESENCE_TTL_MS, 100);
		const dropped = Date.now() - killedAt;
		expect(dropped).toBeLessThanOrEqual(PRESENCE_TTL_MS + PRESENCE_TTL_MS / 3 + 1_000);
		console.log(`[scale-out] presence dropped the killed process's entries after ${dropped} ms`);
	}, 60_000);

	it('takes the presence of a process stopped with SIGTERM off the others at once, not when it expires', async () => {
		const s1 = await startNode('sigterm-1');
		const s2 = await startNode('sigterm-2');
		user(s1, 'alice').live(team, { team: 'brown' });
		const bob = user(s2, 'bob').live(team, { team: 'brown' });
		await eventually(() => expect(who(bob)).toEqual(['alice×1', 'bob×1']), 10_000, 50);
		const stoppedAt = Date.now();
		const exited = new Promise((resolve) => s1.child.once('exit', resolve));
		s1.child.kill('SIGTERM');
		expect(await exited).toBe(0);
		await eventually(() => expect(who(bob)).toEqual(['bob×1']), 5_000, 20);
		expect(Date.now() - stoppedAt).toBeLessThan(PRESENCE_TTL_MS / 3);
	}, 30_000);

	it('delivers one order to every member of every process, even for events emitted at the same moment', async () => {
		const a = await startNode('order-a');
		const b = await startNode('order-b');
		const alice = user(a, 'alice').live(team, { team: 'orange' });
		const bob = user(b, 'bob').live(team, { team: 'orange' });
		const heardByAlice: string[] = [];
		const heardByBob: string[] = [];
		alice.on('said', (message) => heardByAlice.push(message.id));
		bob.on('said', (message) => heardByBob.push(message.id));
		await eventually(() => expect(who(bob)).toEqual(['alice×1', 'bob×1']), 10_000, 50);
		// 40 from each side, none awaited before the next: the two processes emit interleaved.
		const sent = await Promise.all([...Array.from({ length: 40 }, () => alice.say()), ...Array.from({ length: 40 }, () => bob.say())]);
		await eventually(() => expect(heardByBob).toHaveLength(80), 10_000, 20);
		await eventually(() => expect(heardByAlice).toHaveLength(80), 10_000, 20);
		expect(heardByAlice).toEqual(heardByBob);
		expect(new Set(heardByAlice)).toEqual(new Set(sent.map((message) => message.id)));
		// A late joiner on either process gets the same order from the log.
		const carol = user(a, 'carol').live(team, { team: 'orange' });
		const heardByCarol: string[] = [];
		carol.on('said', (message) => heardByCarol.push(message.id));
		await eventually(() => expect(carol.status).toBe('joined'), 10_000, 20);
		const last = (await bob.say()).id;
		await eventually(() => expect(heardByCarol).toEqual([last]), 10_000, 20);
	}, 30_000);

	it('keeps both processes up through Redis outages, and after each every member has every event once, in one order', async () => {
		const a = await startNode('outage-a');
		const b = await startNode('outage-b');
		const alice = user(a, 'alice').live(team, { team: 'blue' });
		const bob = user(b, 'bob').live(team, { team: 'blue' });
		const heardByAlice: string[] = [];
		const heardByBob: string[] = [];
		alice.on('said', (message) => heardByAlice.push(message.id));
		bob.on('said', (message) => heardByBob.push(message.id));
		await eventually(() => expect(who(bob)).toEqual(['alice×1', 'bob×1']), 10_000, 50);

		const said: string[] = [(await alice.say()).id];
		await eventually(() => expect(heardByBob).toEqual(said), 10_000, 20);
		for (const seconds of [1, 6]) {
			await redis.stopKeepingData();
			// Acknowledged by their processes while Redis is away; they wait there for it.
			for (let i = 0; i < 3; i++) said.push((await alice.say()).id, (await bob.say()).id);
			await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
			await redis.start();
			for (let i = 0; i < 2; i++) said.push((await alice.say()).id, (await bob.say()).id);
			await eventually(() => expect(heardByBob).toHaveLength(said.length), 20_000, 50);
			await eventually(() => expect(heardByAlice).toHaveLength(said.length), 20_000, 50);
			expect(heardByAlice).toEqual(heardByBob);
			expect([...heardByAlice].sort()).toEqual([...said].sort());
		}
		expect([alice.resumed, bob.resumed]).toEqual([true, true]);
		expect([a.child.exitCode, b.child.exitCode]).toEqual([null, null]);
	}, 90_000);

	it('has its members re-join when Redis comes back empty, and goes on in one order', async () => {
		const g = await startNode('empty-g');
		const h = await startNode('empty-h');
		const alice = user(g, 'alice').live(team, { team: 'teal' });
		const bob = user(h, 'bob').live(team, { team: 'teal' });
		const heardByAlice: string[] = [];
		const heardByBob: string[] = [];
		alice.on('said', (message) => heardByAlice.push(message.id));
		bob.on('said', (message) => heardByBob.push(message.id));
		await eventually(() => expect(who(bob)).toEqual(['alice×1', 'bob×1']), 10_000, 50);
		const bobJoins = async () => Number(await (await fetch(`${h.url}/joins?user=bob`)).text());
		expect(await bobJoins()).toBe(1);
		await alice.say();
		await eventually(() => expect(heardByBob).toHaveLength(1), 10_000, 20);

		await redis.stop(); // no data kept: the room's log starts again with a new epoch
		await redis.start();
		// Both processes see the new log and send their members to re-join; `said` has no
		// history, so a member can only be told that it may have missed something.
		await eventually(async () => expect(await bobJoins()).toBe(2), 15_000, 50);
		await eventually(() => expect([alice.status, bob.status]).toEqual(['joined', 'joined']), 10_000, 20);
		const after = [(await alice.say()).id, (await bob.say()).id];
		// One order on both sides. Not necessarily the order of the answers: a process whose
		// link to Redis is not back yet holds alice's event while the other's reaches Redis.
		await eventually(() => expect([...heardByBob.slice(-2)].sort()).toEqual([...after].sort()), 10_000, 20);
		await eventually(() => expect(heardByAlice.slice(-2)).toEqual(heardByBob.slice(-2)), 10_000, 20);
		// Presence is whole again on both sides: each process wrote its entries back.
		await eventually(() => expect(who(alice)).toEqual(['alice×1', 'bob×1']), 10_000, 50);
		await eventually(() => expect(who(bob)).toEqual(['alice×1', 'bob×1']), 10_000, 50);
		expect([g.child.exitCode, h.child.exitCode]).toEqual([null, null]);
	}, 60_000);

	it('gives the room a new epoch when Redis comes back from an older copy, so a member resuming elsewhere misses nothing', async () => {
		const m = await startNode('older-m');
		const n = await startNode('older-n');
		const port = (node: Node) => Number(new URL(node.url).port);
		const balancer = await startSwitchProxy(port(m));
		try {
			const alice = user(balancer, 'alice').live(team, { team: 'olive' });
			const bob = user(n, 'bob').live(team, { team: 'olive' });
			const heardByAlice: string[] = [];
			const heardByBob: string[] = [];
			alice.on('said', (message) => heardByAlice.push(message.id));
			bob.on('said', (message) => heardByBob.push(message.id));
			await eventually(() => expect(who(alice)).toEqual(['alice×1', 'bob×1']), 10_000, 50);
			for (let i = 0; i < 3; i++) await bob.say();
			await redis.save(); // the snapshot Redis will come back from: 3 events
			for (let i = 0; i < 2; i++) await bob.say();
			await eventually(() => expect(heardByAlice).toHaveLength(5), 10_000, 20);

			// Alice's connection drops (process m has no member of the room left), and Redis
			// comes back from the snapshot: the room's offset is 3 again, alice's position is 5.
			balancer.switchTo(await freePort());
			expect(balancer.cut()).toBe(1);
			await redis.stopBackToSnapshot();
			await redis.start();
			// Process n had seen offset 5: it asks Redis for a new epoch, and bob re-joins.
			const bobJoins = async () => Number(await (await fetch(`${n.url}/joins?user=bob`)).text());
			await eventually(async () => expect(await bobJoins()).toBeGreaterThanOrEqual(2), 15_000, 50);
			await eventually(() => expect(bob.status).toBe('joined'), 10_000, 20);
			const later = [(await bob.say()).id, (await bob.say()).id, (await bob.say()).id];
			await eventually(() => expect(heardByBob.slice(-3)).toEqual(later), 10_000, 20);

			// Alice comes back on process m, which reads the room afresh from Redis. Under the old
			// epoch the three would be offsets 4 to 6, and her position 5 would skip two of them.
			balancer.switchTo(port(m));
			await eventually(() => expect(alice.status).toBe('joined'), 10_000, 20);
			await eventually(() => expect(heardByAlice.slice(-3)).toEqual(later), 10_000, 20);
			expect(heardByAlice).toEqual(heardByBob);
		} finally {
			await balancer.close();
		}
	}, 60_000);

	it('runs a call once when its answer was lost and the copy reaches another process', async () => {
		const i = await startNode('i');
		const j = await startNode('j');
		const runs = async (node: Node) => Number(await (await fetch(`${node.url}/runs`)).text());
		// A load balancer: alice's first connection goes to process i, her next one to j.
		const balancer = await startSwitchProxy(Number(new URL(i.url).port));
		try {
			const alice = user(balancer, 'alice').live(team, { team: 'violet' });
			const bob = user(j, 'bob').live(team, { team: 'violet' });
			await eventually(() => expect(who(bob)).toEqual(['alice×1', 'bob×1']), 10_000, 50);

			const answer = alice.slow(); // runs for 1 s on process i
			await eventually(async () => expect(await runs(i)).toBe(1), 5_000, 20);
			balancer.switchTo(Number(new URL(j.url).port));
			expect(balancer.cut()).toBe(1);
			// The client re-joins on process j and sends the call again; j asks, i answers when
			// its run ends: the answer is i's, and j never ran it.
			expect(await answer).toBe('i-1');
			expect(alice.status).toBe('joined');
			expect([await runs(i), await runs(j)]).toEqual([1, 0]);
			// A new call on the new connection runs on j, as any other.
			expect(await alice.slow()).toBe('j-1');
		} finally {
			await balancer.close();
		}
	}, 30_000);

	it('never answers a copy of a call made under another user, even with the same client key', async () => {
		const m = await startNode('m');
		const n = await startNode('n');
		const runs = async (node: Node) => Number(await (await fetch(`${node.url}/runs`)).text());
		const key = 'A'.repeat(22);
		// The victim's call, made with her client key on process m.
		const victim = connectSocket(m.url, { path: '/_liverpc', transports: ['websocket'], auth: { k: key }, extraHeaders: { cookie: 'user=alice', origin: m.url } });
		const thief = connectSocket(n.url, { path: '/_liverpc', transports: ['websocket'], auth: { k: key }, extraHeaders: { cookie: 'user=mallory', origin: n.url } });
		sockets.push(victim, thief);
		// What the server acknowledges: (error, value).
		const ask = <T>(socket: Socket, ...args: unknown[]) =>
			new Promise<[unknown, T]>((resolve, reject) =>
				socket.timeout(5_000).emit(args[0] as string, ...args.slice(1), (lost: Error | null, error: unknown, value: T) => (lost ? reject(lost) : resolve([error, value])))
			);
		const join = (socket: Socket) => ask<{ ref: number }>(socket, 'j', 'teams/[team]', { team: 'black' }, null);
		const [, joinedVictim] = await join(victim);
		expect(await ask(victim, 'c', joinedVictim.ref, 'slow', null, 7, 0)).toEqual([null, 'm-1']);
		// The thief sends a marked copy of call 7 on process n: n asks m, which remembers a call
		// 7 of that key, but of another user. The copy runs as the thief's own.
		const [, joinedThief] = await join(thief);
		expect(await ask(thief, 'c', joinedThief.ref, 'slow', null, 7, 0, 1)).toEqual([null, 'n-1']);
		expect([await runs(m), await runs(n)]).toEqual([1, 1]);
	}, 30_000);

	it('resumes a member that reconnects to another process from the room\'s log in Redis, with events that have no history', async () => {
		const k = await startNode('k');
		const l = await startNode('l');
		const port = (node: Node) => Number(new URL(node.url).port);
		const balancer = await startSwitchProxy(port(k));
		try {
			const alice = user(balancer, 'alice').live(team, { team: 'indigo' });
			const bob = user(l, 'bob').live(team, { team: 'indigo' });
			const heardByAlice: string[] = [];
			const heardByBob: string[] = [];
			alice.on('said', (message) => heardByAlice.push(message.id));
			bob.on('said', (message) => heardByBob.push(message.id));
			await eventually(() => expect(who(alice)).toEqual(['alice×1', 'bob×1']), 10_000, 50);
			const first = (await bob.say()).id;
			const second = (await alice.say()).id;
			// Both hear both, in one order: the order Redis received them in, which need not be
			// the order of the answers (a call is answered once its handler has run, and its event
			// reaches Redis from its own process a moment later).
			await eventually(() => expect(heardByBob).toHaveLength(2), 10_000, 20);
			await eventually(() => expect(heardByAlice).toHaveLength(2), 10_000, 20);
			expect(new Set(heardByBob)).toEqual(new Set([first, second]));
			expect(heardByAlice).toEqual(heardByBob);

			// Alice's connection drops, and her next one cannot get through for a while.
			balancer.switchTo(await freePort());
			expect(balancer.cut()).toBe(1);
			await eventually(() => expect(alice.status).toBe('reconnecting'), 5_000, 10);
			// Meanwhile: two of bob's on process l, and one from server code on process k, which
			// has no member of the room any more. `said` has no history: only the log has them.
			await bob.say();
			await fetch(`${k.url}/emit?team=indigo`);
			await bob.say();
			await eventually(() => expect(heardByBob).toHaveLength(5), 10_000, 20);

			// The balancer now sends her to process l, which reads what she lacks from Redis.
			balancer.switchTo(port(l));
			await eventually(() => expect(alice.status).toBe('joined'), 10_000, 20);
			expect(alice.resumed).toBe(true);
			expect(heardByAlice).toEqual(heardByBob);
			const after = (await bob.say()).id;
			await eventually(() => expect(heardByAlice.at(-1)).toBe(after), 10_000, 20);
			expect(heardByAlice).toEqual(heardByBob);
		} finally {
			await balancer.close();
		}
	}, 30_000);

	it('signs a user out in under a second while another process holds 1,000 idle connections with a 60 kB auth', async () => {
		const p = await startNode('revoke-p');
		// 60 kB is over the default maxAuthBytes (4,096, #19): this process raises it.
		const q = await startNode('revoke-q', { MAX_AUTH_BYTES: '65536' });
		const auth = { k: 'B'.repeat(22), padding: 'x'.repeat(60_000) };
		for (let index = 0; index < 1000; index++) {
			sockets.push(connectSocket(q.url, { path: '/_liverpc', transports: ['websocket'], auth, extraHeaders: { origin: q.url }, reconnection: false }));
		}
		await eventually(() => expect(sockets.filter((socket) => socket.connected).length).toBeGreaterThanOrEqual(1000), 60_000, 200);
		const aliceClient = user(q, 'alice');
		const alice = aliceClient.live(team, { team: 'gray' });
		await eventually(() => expect(alice.status).toBe('joined'), 10_000, 20);
		let droppedAt: number | undefined;
		const watch = setInterval(() => {
			if (droppedAt === undefined && aliceClient.status !== 'connected') droppedAt = Date.now();
		}, 2);
		try {
			const startedAt = Date.now();
			const response = await fetch(`${p.url}/revoke?user=alice`);
			const answeredAt = Date.now();
			expect(await response.text()).toBe('0');
			await eventually(() => expect(droppedAt).toBeDefined(), 5_000, 5);
			const cut = droppedAt! - startedAt;
			console.log(`[scale-out] sign-out answered in ${answeredAt - startedAt} ms; alice's tab on the other process cut after ${cut} ms, with 1,000 big-auth connections there`);
			expect(cut).toBeLessThan(1_000);
		} finally {
			clearInterval(watch);
		}
		expect([p.child.exitCode, q.child.exitCode]).toEqual([null, null]);
	}, 120_000);

	it('converges presence on every process after 200 connections join and half of them leave in a burst', async () => {
		const c = await startNode('c');
		const d = await startNode('d');
		const watchers = [user(c, 'watcher-c').live(team, { team: 'green' }), user(d, 'watcher-d').live(team, { team: 'green' })];
		await eventually(() => expect(watchers.map((room) => room.presence.length)).toEqual([2, 2]), 10_000, 50);

		const startedAt = Date.now();
		const members = Array.from({ length: 200 }, (_, i) => ({ i, client: user(i % 2 === 0 ? c : d, `user-${i}`) }));
		const rooms = members.map(({ client }) => client.live(team, { team: 'green' }));
		await eventually(() => expect(rooms.every((room) => room.status === 'joined')).toBe(true), 30_000, 100);
		// Half of them leave at once: every third by closing its connection, the rest by leaving.
		members.forEach(({ i, client }, index) => {
			if (i % 2 === 1) return;
			if (i % 3 === 0) client.close();
			else rooms[index]!.leave();
		});
		const expected = ['watcher-c×1', 'watcher-d×1', ...members.filter(({ i }) => i % 2 === 1).map(({ i }) => `user-${i}×1`)].sort();
		for (const watcher of watchers) await eventually(() => expect(who(watcher)).toEqual(expected), 20_000, 100);
		console.log(`[scale-out] presence converged on both processes ${Date.now() - startedAt} ms after the burst began`);
	}, 90_000);
});
