// A server scaled out on Redis loads its scale-out code on demand, so that a process serving
// alone never loads it. What happens while that code loads must not be lost: the emits made
// at once (a form action right at startup) are held and reach Redis in their order, and the
// first connection waits for the Redis adapter, since a Socket.IO socket keeps the adapter it
// was made with (a member admitted earlier would join rooms no other process hears of).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createClient } from 'redis';
import { io as connect } from 'socket.io-client';
import { attach } from 'liverpc/node';
import { event } from 'liverpc/server';
import { roomKeys } from '../src/runtime/server/cluster/redis-scripts.js';
import { eventually } from './harness.js';
import { startRedis, type RedisServer } from './support/redis-server.js';

let server: RedisServer;
let redis: ReturnType<typeof createClient>;

beforeAll(async () => {
	server = await startRedis();
	redis = createClient({ url: server.url });
	redis.on('error', () => {});
	await redis.connect();
}, 30_000);
afterAll(async () => {
	await redis?.close().catch(() => {});
	await server?.close();
});

/** The events of a room's log in Redis, in the log's order. */
async function loggedInRedis(room: string): Promise<unknown[]> {
	const rows = (await redis.sendCommand(['XRANGE', roomKeys(room).stream, '-', '+'])) as Array<[string, string[]]>;
	return rows.map(([, fields]) => JSON.parse(fields[1]!) as unknown);
}

it('makes the first connection on the Redis adapter, even one that arrives while the scale-out code loads', async () => {
	const said = event<{ n: number }>();
	const httpServer = http.createServer();
	await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
	const { port } = httpServer.address() as AddressInfo;
	// First in this file, so the scale-out modules are not loaded yet; the client starts its
	// session in the same tick as attach(), before the cluster's dynamic import resolves.
	const live = attach(httpServer, { contracts: { 'teams/[team]': { said } }, redis });
	const socket = connect(`http://127.0.0.1:${port}`, { path: '/_liverpc', transports: ['websocket'], reconnection: false });
	try {
		await new Promise<void>((resolve, reject) => {
			socket.on('connect', resolve);
			socket.on('connect_error', reject);
		});
		const namespace = live.io.of('/');
		const made = namespace.sockets.get(socket.id!);
		expect(made).toBeDefined();
		// A socket adds its rooms to the adapter it was made with: it must be the Redis one.
		expect(namespace.adapter.constructor.name).not.toBe('Adapter');
		expect((made as unknown as { adapter: unknown }).adapter).toBe(namespace.adapter);
	} finally {
		socket.close();
		await live.close();
	}
});

it('writes the emits made before the scale-out code has loaded to Redis, in their order', async () => {
	const said = event<{ n: number }>();
	const httpServer = http.createServer();
	const live = attach(httpServer, { contracts: { 'teams/[team]': { said } }, redis });
	// Synchronously after attach(): the cluster's dynamic import cannot have resolved yet.
	for (let n = 1; n <= 20; n++) said.to({ team: 'early' }).emit({ n });
	try {
		await eventually(async () => {
			expect(await loggedInRedis('teams/[team]#teams/early')).toEqual(Array.from({ length: 20 }, (_, index) => ['said', { n: index + 1 }]));
		}, 5_000, 20);
	} finally {
		await live.close();
	}
});
