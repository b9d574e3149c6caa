// Volatile events scaled out (#21): a member on another process gets them, through a
// Redis channel, and Redis keeps none of them: the room's stream holds its logged events
// only. Two child processes run the built liverpc (fixtures/cluster-node.mjs) on a real
// redis-server; the clients are real socket.io clients through liverpc/client.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createClient as createRedis } from 'redis';
import { createClient, type LiveClient } from 'liverpc/client';
import { eventually } from './harness.js';
import { freePort, startRedis, type RedisServer } from './support/redis-server.js';

const NODE_SCRIPT = fileURLToPath(new URL('./fixtures/cluster-node.mjs', import.meta.url));
const PACKAGE = fileURLToPath(new URL('..', import.meta.url));

let redis: RedisServer;
let reader: ReturnType<typeof createRedis>;
const children: ChildProcess[] = [];
const clients: LiveClient[] = [];

async function startNode(name: string): Promise<string> {
	const port = await freePort();
	const child = spawn(process.execPath, [NODE_SCRIPT], {
		cwd: PACKAGE,
		env: { ...process.env, PORT: String(port), REDIS_URL: redis.url, NAME: name },
		stdio: ['ignore', 'pipe', 'inherit']
	});
	children.push(child);
	await new Promise<void>((resolve, reject) => {
		child.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve());
		child.once('exit', (code) => reject(new Error(`node ${name} exited with ${code}`)));
	});
	return `http://127.0.0.1:${port}`;
}

function user(url: string, name: string): LiveClient {
	const client = createClient({ url, headers: { cookie: `user=${name}` }, backoff: { base: 20, max: 100 } });
	clients.push(client);
	return client;
}

// The room as the built fixture declares it, for typed handles.
type Said = { id: string; by: string };
type Typing = { by: string; at: string };
const team = {
	said: { '~liverpc': { kind: 'event', route: 'teams/[team]', name: 'said' } },
	typing: { '~liverpc': { kind: 'event', route: 'teams/[team]', name: 'typing' } },
	say: { '~liverpc': { kind: 'call', route: 'teams/[team]', name: 'say' } },
	type: { '~liverpc': { kind: 'call', route: 'teams/[team]', name: 'type' } }
} as unknown as {
	said: import('liverpc/server').RoomEvent<Said>;
	typing: import('liverpc/server').RoomEvent<Typing>;
	say: import('liverpc/server').RoomCall<void, Said>;
	type: import('liverpc/server').RoomCall<void, void>;
};

beforeAll(async () => {
	redis = await startRedis();
	reader = createRedis({ url: redis.url });
	reader.on('error', () => {});
	await reader.connect();
}, 30_000);
afterAll(async () => {
	for (const client of clients) client.close();
	for (const child of children) child.kill('SIGKILL');
	await reader?.close().catch(() => {});
	await redis?.close();
});

it('reaches a member on another process, and never enters the room’s stream in Redis', { timeout: 30_000 }, async () => {
	const [a, b] = await Promise.all([startNode('a'), startNode('b')]);
	const alice = user(a, 'alice').live(team, { team: 'v' });
	const bob = user(b, 'bob').live(team, { team: 'v' });
	await eventually(() => expect([alice.status, bob.status]).toEqual(['joined', 'joined']), 10_000);
	const typing: Typing[] = [];
	const said: Said[] = [];
	bob.on('typing', (entry) => typing.push(entry));
	bob.on('said', (entry) => said.push(entry));

	await alice.type();
	await eventually(() => expect(typing).toEqual([{ by: 'alice', at: 'a' }]), 5000);
	// A logged event after it: it is in the stream, the volatile one is not anywhere in Redis's logs.
	const logged = await alice.say();
	await eventually(() => expect(said).toEqual([logged]), 5000);
	// Every stream in Redis (the rooms' logs, the adapter's): the logged event is in one, the volatile in none.
	const streams: string[] = [];
	for (const key of (await reader.sendCommand(['KEYS', '*'])) as string[]) {
		if (String(await reader.sendCommand(['TYPE', key])) !== 'stream') continue;
		streams.push(JSON.stringify(await reader.sendCommand(['XRANGE', key, '-', '+'])));
	}
	expect(streams.filter((rows) => rows.includes(logged.id))).toHaveLength(1);
	expect(streams.filter((rows) => rows.includes('typing'))).toEqual([]);
	// And the member that typed hears itself, from its own process.
	const own: Typing[] = [];
	alice.on('typing', (entry) => own.push(entry));
	await bob.type();
	await eventually(() => expect(own).toEqual([{ by: 'bob', at: 'b' }]), 5000);
});
