// A benchmark server process: one implementation, driven over IPC by run.mjs.
// Run with --expose-gc so memory figures are taken after a full collection.
import http from 'node:http';
import v8 from 'node:v8';
import { serveRequests, now } from '../lib/ipc.mjs';
import { loadEngine } from '../lib/ws-engine.mjs';

async function redisClient(url) {
	const { createClient } = await import('redis');
	const redis = createClient({ url });
	redis.on('error', () => {});
	await redis.connect();
	return redis;
}

// BENCH_OTEL=1: an OpenTelemetry SDK registered before the server starts, as an app's
// instrumentation.server.ts would (the `liverpc+otel` implementation).
const otel = process.env.BENCH_OTEL ? await import('../lib/otel.mjs') : undefined;

const impl = process.argv[2];
// The file of a Socket.IO wsEngine (eiows) that run.mjs found loadable by this Node.
const wsEngineFile = process.argv[3];
const { start, adapterFor } = await import(`./${impl}.mjs`);
const wsEngine = wsEngineFile ? loadEngine(wsEngineFile) : undefined;

// The scale-out scenario: processes sharing one Redis (LiveRPC's `redis` option; raw
// Socket.IO with @socket.io/redis-streams-adapter on the same client).
const redis = process.env.BENCH_REDIS_URL ? await redisClient(process.env.BENCH_REDIS_URL) : undefined;

const httpServer = http.createServer((req, res) => res.writeHead(404).end());
const adapter = redis && adapterFor ? await adapterFor(redis) : undefined;
const server = start(httpServer, { wsEngine, redis, adapter });
await new Promise((resolve) => httpServer.listen(0, '127.0.0.1', resolve));

async function collect() {
	for (let i = 0; i < 3; i++) {
		global.gc();
		await new Promise((resolve) => setImmediate(resolve));
	}
}

/** How long the `broadcast` call itself took: the part of a fan-out that runs before anything else can. */
let emitCallMs;

serveRequests({
	port: () => httpServer.address().port,
	cpu: () => {
		const { user, system } = process.cpuUsage();
		return user + system; // µs
	},
	memory: async () => {
		await collect();
		const { heapUsed, heapTotal, rss, external, arrayBuffers } = process.memoryUsage();
		const newSpace = v8.getHeapSpaceStatistics().find((space) => space.space_name === 'new_space').physical_space_size;
		return { heapUsed, heapTotal, rss, external, arrayBuffers, newSpace };
	},
	connections: () => server.connections(),
	/** One message every `paceMs`, each carrying when it was emitted, for emit-to-delivery latency. */
	paced: async ({ count, paceMs }) => {
		for (let i = 0; i < count; i++) {
			server.broadcast(1, { t: String(now()), n: i });
			await new Promise((resolve) => setTimeout(resolve, paceMs));
		}
		return { sent: count };
	},
	/** One message to each of `rooms` rooms (ids r0…), none of which need have members here. */
	rooms: async ({ rooms, message }) => {
		for (let i = 0; i < rooms; i++) server.emitTo(`r${i}`, message);
		await new Promise((resolve) => setTimeout(resolve, 500));
		return { rooms };
	},
	broadcast: ({ count, message }) => {
		// The broadcast call holds the event loop while it writes to every member's socket:
		// every other user of the process waits that long (#23). Read by `emitCall`.
		const started = now();
		const before = performance.now();
		server.broadcast(count, message);
		emitCallMs = performance.now() - before;
		return { started: String(started) };
	},
	/**
	 * How long the last `broadcast` call itself took, in ms. (monitorEventLoopDelay, enabled in
	 * the same turn, read 1–3 ms for a 250 ms call: its timer starts from the loop's cached time.)
	 */
	emitCall: () => ({ ms: emitCallMs }),
	/** What the OpenTelemetry SDK's exporters received (BENCH_OTEL only). */
	otel: () => (otel ? otel.flushed() : undefined),
	exit: () => setTimeout(() => process.exit(0), 10)
});
