// A load-generator process: real clients of one implementation, driven over IPC by run.mjs.
import { now, serveRequests } from '../lib/ipc.mjs';
import { quantile } from '../lib/stats.mjs';
import { payload } from '../lib/workload.mjs';
import { adapters, handshakers } from './clients.mjs';

const impl = process.argv[2];
const adapter = adapters[impl];
let clients = [];
let deliveries;
let latencies;
let flood;

const mark = (label) => process.send({ type: 'mark', label });
const micros = (since) => Number(now() - since) / 1000;

/** Runs `task(i)` for i in [0, total) with at most `concurrency` at once. */
async function pool(total, concurrency, task) {
	let next = 0;
	const results = new Array(total);
	await Promise.all(
		Array.from({ length: Math.min(concurrency, total) }, async () => {
			while (next < total) {
				const i = next++;
				results[i] = await task(i);
			}
		})
	);
	return results;
}

serveRequests({
	async connect({ url, n, concurrency = 100, join = true, rooms }) {
		const started = now();
		const fresh = await pool(n, concurrency, async (i) => {
			// `rooms`: client i joins room r<i mod rooms> instead of the bench room.
			const client = await adapter.connect(url, rooms ? { room: `r${i % rooms}` } : {});
			if (join) await client.join();
			return client;
		});
		clients.push(...fresh);
		return { ms: micros(started) / 1000 };
	},

	async latency({ name, count, warmup }) {
		const client = clients[0];
		for (let i = 0; i < warmup; i++) await client.call(name, payload(i));
		const samples = new Float64Array(count);
		mark('start');
		for (let i = 0; i < count; i++) {
			const started = now();
			await client.call(name, payload(i));
			samples[i] = micros(started);
		}
		mark('end');
		return { calls: count, p50: quantile(samples, 0.5), p99: quantile(samples, 0.99) };
	},

	async throughput({ name, inFlight, warmupMs, windowMs }) {
		let phase = 'warmup';
		let completed = 0;
		const samples = [];
		const deadline = { warmup: Date.now() + warmupMs, window: Date.now() + warmupMs + windowMs };
		let windowStarted;
		const lane = async (client) => {
			for (let i = 0; ; i++) {
				if (phase === 'warmup' && Date.now() >= deadline.warmup) {
					phase = 'window';
					windowStarted = now();
					mark('start');
				}
				if (Date.now() >= deadline.window) return;
				const started = now();
				await client.call(name, payload(i));
				if (phase === 'window') {
					completed++;
					if ((completed & 7) === 0) samples.push(micros(started)); // 1 in 8: enough for p99
				}
			}
		};
		await Promise.all(clients.flatMap((client) => Array.from({ length: inFlight }, () => lane(client))));
		const seconds = micros(windowStarted) / 1e6;
		mark('end');
		return { calls: completed, perSecond: completed / seconds, p50: quantile(samples, 0.5), p99: quantile(samples, 0.99) };
	},

	arm({ perClient }) {
		let remaining = clients.length;
		let last;
		let resolve;
		const done = new Promise((r) => (resolve = r));
		for (const client of clients) {
			let seen = 0;
			client.onEvent(() => {
				if (++seen === perClient) {
					last = now();
					if (--remaining === 0) resolve();
				}
			});
		}
		deliveries = { done, last: () => last, remaining: () => remaining };
		return { armed: clients.length };
	},

	/** Records, for every member, how long each paced message took from its emit (its `t`). */
	armLatency({ perClient }) {
		const samples = [];
		let remaining = clients.length;
		let resolve;
		const done = new Promise((r) => (resolve = r));
		for (const client of clients) {
			let seen = 0;
			client.onEvent((message) => {
				samples.push(Number(now() - BigInt(message.t)) / 1000);
				if (++seen === perClient && --remaining === 0) resolve();
			});
		}
		latencies = { done, samples, remaining: () => remaining };
		return { armed: clients.length };
	},

	async latencies({ timeoutMs }) {
		const timeout = new Promise((resolve) => setTimeout(resolve, timeoutMs, 'timeout'));
		if ((await Promise.race([latencies.done, timeout])) === 'timeout') throw new Error(`${latencies.remaining()} members still short of paced messages after ${timeoutMs} ms`);
		const sorted = Float64Array.from(latencies.samples).sort();
		return { p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99) };
	},

	async delivered({ timeoutMs }) {
		const timeout = new Promise((resolve) => setTimeout(resolve, timeoutMs, 'timeout'));
		const outcome = await Promise.race([deliveries.done, timeout]);
		if (outcome === 'timeout') throw new Error(`${deliveries.remaining()} members still short of messages after ${timeoutMs} ms`);
		return { last: String(deliveries.last()) };
	},

	async handshakes({ url, total, concurrency }) {
		mark('start');
		const started = now();
		const opened = await pool(total, concurrency, () => handshakers[impl](url));
		const seconds = micros(started) / 1e6;
		mark('end');
		for (const connection of opened) connection.close();
		return { perSecond: total / seconds };
	},

	/** Paced calls from the first client, one every `paceMs`, as a person's app makes them. */
	async paced({ durationMs, paceMs }) {
		const victim = clients[0];
		const samples = [];
		let failures = 0;
		const until = Date.now() + durationMs;
		for (let i = 0; Date.now() < until; i++) {
			const started = now();
			try {
				await victim.call('echo', payload(i));
				samples.push(micros(started));
			} catch {
				failures++;
			}
			await new Promise((resolve) => setTimeout(resolve, paceMs));
		}
		const sorted = Float64Array.from(samples);
		return { p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99), failures };
	},

	/**
	 * Starts `attackers` connections that each keep `lanes` calls in flight as fast as the
	 * server answers, ignoring every refusal and coming back when closed (#8).
	 */
	async attack({ url, attackers, lanes }) {
		const attacking = await Promise.all(
			Array.from({ length: attackers }, async () => {
				const client = await adapter.connect(url, { reconnect: true });
				await client.join();
				return client;
			})
		);
		const counts = { accepted: 0, refused: 0, started: Date.now() };
		const lane = async (client) => {
			for (let i = 0; !flood.stop; i++) {
				try {
					await client.call('echo', payload(i));
					counts.accepted++;
				} catch {
					counts.refused++;
					await new Promise((resolve) => setImmediate(resolve));
				}
			}
		};
		flood = { stop: false, counts, attacking, running: [] };
		flood.running = attacking.flatMap((client) => Array.from({ length: lanes }, () => lane(client)));
		return { attackers: attacking.length };
	},

	async stopAttack() {
		flood.stop = true;
		const seconds = (Date.now() - flood.counts.started) / 1000;
		await Promise.race([Promise.all(flood.running), new Promise((resolve) => setTimeout(resolve, 2000))]);
		for (const client of flood.attacking) client.close();
		return { acceptedPerSecond: flood.counts.accepted / seconds, refused: flood.counts.refused };
	},

	closeAll() {
		for (const client of clients) client.close();
		clients = [];
		return { closed: true };
	},

	exit: () => setTimeout(() => process.exit(0), 10)
});
