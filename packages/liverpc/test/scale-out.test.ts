// #12: two processes of one app on a real redis-server, with @socket.io/redis-streams-adapter
// as the `adapter` option. Each process is a child running the built liverpc
// (fixtures/cluster-node.mjs); the clients are real socket.io clients through liverpc/client.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type LiveClient } from 'liverpc/client';
import { PEER_HEARTBEAT_MS, PEER_TIMEOUT_MS } from '../src/runtime/server/peer-link.js';
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
	for (const node of nodes) node.child.kill('SIGKILL');
	await redis?.close();
});

describe('two processes on Redis', () => {
	it('share rooms, presence, server-side emits and revocation; a killed process leaves presence within the bound', async () => {
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

		// Room events both ways. (Events emitted on two processes at the same moment may reach
		// the members of each in a different order; one after the other, they do not.)
		const fromAlice = await alice.say();
		await eventually(() => expect(heardByBob).toEqual([fromAlice]), 10_000, 20);
		const fromBob = await bob.say();
		await eventually(() => expect(heardByBob).toEqual([fromAlice, fromBob]), 10_000, 50);
		await eventually(() => expect(heardByAlice).toEqual([fromAlice, fromBob]), 10_000, 50);

		// Server code on process a (a form action's to().emit()) reaches bob on process b.
		await fetch(`${a.url}/emit?team=red`);
		await eventually(() => expect(heardByBob.at(-1)).toMatchObject({ by: 'server' }), 10_000, 50);
		expect(heardByAlice.at(-1)).toEqual(heardByBob.at(-1));

		// A logout on process a ends bob's connection on process b at once.
		const bobClient = clients[1]!;
		let bobDropped = false;
		const watch = setInterval(() => {
			if (bobClient.status !== 'connected') bobDropped = true;
		}, 2);
		try {
			expect(await (await fetch(`${a.url}/revoke?user=bob`)).text()).toBe('1');
			await eventually(() => expect(bobDropped).toBe(true), 5_000, 10);
		} finally {
			clearInterval(watch);
		}
		await eventually(() => expect(bob.status).toBe('joined'), 10_000, 50);

		// kill -9 process a: its entries leave b's presence within the documented bound.
		const killedAt = Date.now();
		a.child.kill('SIGKILL');
		await eventually(() => expect(who(bob)).toEqual(['bob×1']), PEER_TIMEOUT_MS + 2 * PEER_HEARTBEAT_MS + 2_000, 100);
		const dropped = Date.now() - killedAt;
		expect(dropped).toBeLessThanOrEqual(PEER_TIMEOUT_MS + PEER_HEARTBEAT_MS + 1_000);
		console.log(`[scale-out] presence dropped the killed process's entries after ${dropped} ms`);
	}, 60_000);

	it('delivers every event across processes, in order, through a Redis restart (what Redis lost is asked of its sender)', async () => {
		const a = await startNode('a2');
		const b = await startNode('b2');
		const alice = user(a, 'alice').live(team, { team: 'blue' });
		const bob = user(b, 'bob').live(team, { team: 'blue' });
		const heardByBob: string[] = [];
		bob.on('said', (message) => heardByBob.push(message.id));
		await eventually(() => expect(who(bob)).toEqual(['alice×1', 'bob×1']), 10_000, 50);

		const said: string[] = [(await alice.say()).id];
		await eventually(() => expect(heardByBob).toEqual(said), 10_000, 20);
		await redis.stop();
		for (let i = 0; i < 3; i++) said.push((await alice.say()).id); // acknowledged by process a alone
		await new Promise((resolve) => setTimeout(resolve, 500));
		await redis.start();
		for (let i = 0; i < 3; i++) {
			said.push((await alice.say()).id);
			await new Promise((resolve) => setTimeout(resolve, 300));
		}
		await eventually(() => expect(heardByBob).toEqual(said), 15_000, 50);
		expect(a.child.exitCode ?? b.child.exitCode).toBeNull();
	}, 60_000);

	it('asks the sender again for a message Redis did not carry, and delivers it in order', async () => {
		// Process e drops its first room event on the way to Redis, as a refused write.
		const e = await startNode('e', { PEER_DROP: 'event' });
		const f = await startNode('f');
		const alice = user(e, 'alice').live(team, { team: 'amber' });
		const bob = user(f, 'bob').live(team, { team: 'amber' });
		const heardByBob: string[] = [];
		bob.on('said', (message) => heardByBob.push(message.id));
		await eventually(() => expect(who(bob)).toEqual(['alice×1', 'bob×1']), 10_000, 50);
		const said = [(await alice.say()).id, (await alice.say()).id, (await alice.say()).id];
		await eventually(() => expect(heardByBob).toEqual(said), 10_000, 20);
	}, 30_000);

	it('has its members re-join from their positions when a lost message cannot be had again', async () => {
		const g = await startNode('g', { PEER_DROP: 'event' });
		const h = await startNode('h', { PEER_UNANSWERED: 'replay' });
		const alice = user(g, 'alice').live(team, { team: 'teal' });
		const bob = user(h, 'bob').live(team, { team: 'teal' });
		const heardByBob: string[] = [];
		bob.on('said', (message) => heardByBob.push(message.id));
		await eventually(() => expect(who(bob)).toEqual(['alice×1', 'bob×1']), 10_000, 50);
		// Bob's joins as process h's guard counts them: a re-join is one more.
		const bobJoins = async () => Number(await (await fetch(`${h.url}/joins?user=bob`)).text());
		expect(await bobJoins()).toBe(1);
		const lost = (await alice.say()).id; // dropped on the way, and never had again
		const after = (await alice.say()).id;
		// Process h told bob's client to re-join: this room's events have no history, so the
		// room says it could not get everything back, and goes on with what comes next.
		await eventually(() => expect(bob.resumed).toBe(false), 10_000, 20);
		expect(await bobJoins()).toBe(2);
		expect(bob.status).toBe('joined');
		const next = (await alice.say()).id;
		await eventually(() => expect(heardByBob).toContain(next), 10_000, 20);
		expect(heardByBob).not.toContain(lost);
		expect(heardByBob.filter((id) => id === after).length).toBeLessThanOrEqual(1);
		// Presence was read again from process g: still both.
		await eventually(() => expect(who(bob)).toEqual(['alice×1', 'bob×1']), 10_000, 50);
	}, 30_000);

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

	it('resumes a member that reconnects to another process from that one\'s log, with events that have no history', async () => {
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
			// One after the other (events of two processes at the same moment may arrive in either order).
			const first = (await bob.say()).id;
			await eventually(() => expect(heardByAlice).toEqual([first]), 10_000, 20);
			const second = (await alice.say()).id;
			await eventually(() => expect(heardByBob).toEqual([first, second]), 10_000, 20);

			// Alice's connection drops, and her next one cannot get through for a while.
			balancer.switchTo(await freePort());
			expect(balancer.cut()).toBe(1);
			await eventually(() => expect(alice.status).toBe('reconnecting'), 5_000, 10);
			// Meanwhile: two of bob's on process l, and one from server code on process k. `said`
			// has no history: only a process's log can give them to her.
			await bob.say();
			await fetch(`${k.url}/emit?team=indigo`);
			await bob.say();
			await eventually(() => expect(heardByBob).toHaveLength(5), 10_000, 20);

			// The balancer now sends her to process l, whose log has another epoch.
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
