#!/usr/bin/env node
// LiveRPC vs raw Socket.IO (and raw ws, the floor) in one run on one machine.
//   npm run bench               full: 3 repeats, rooms of 1,000 and 5,000
//   npm run bench -- --quick    under two minutes: 1 repeat, smaller counts
//   --only calls,room,handshakes,flood,scaleout   --repeats N   --profile
//   (scaleout starts its own redis-server: apt-get install -y redis-server)
//   --impls raw-socketio,liverpc   only these implementations (names in IMPLS below)
//   --node <path>          the Node that runs the server and load processes (or BENCH_NODE;
//                          default: the one running this script)
//   --node-flags "<flags>" Node flags for those processes (or BENCH_NODE_FLAGS), e.g.
//                          "--experimental-async-context-frame" on Node 22
//   --engines    also runs LiveRPC with `bufferutil` under ws, and raw Socket.IO and LiveRPC
//                on eiows (a native Socket.IO wsEngine) when it loads in that Node
//   --eiows <dir>          where eiows is (or BENCH_EIOWS): the package, or a folder whose
//                          node_modules holds it; default: a plain `eiows` install
//   --otel       also runs LiveRPC with an OpenTelemetry SDK registered (traces and metrics
//                into exporters that drop them): the `liverpc+otel` column (#22); with
//                `--impls liverpc+otel-metrics`, the SDK's metrics only
//   --liverpc-before <dir> also runs another build of LiveRPC, server and client: the package
//                          folder of a worktree at an older commit, dist/ built (`liverpc@before`)
//   --room-sizes 5000,15000  the room scenario's member counts (at most ~19,000: one load
//                          process holds them all, under the 20,000 open files a process may have)
//   --messages N           messages per fan-out (default 100); with 1, "the emit call itself"
//                          is one broadcast's hold on the server's event loop
// Every server and every load generator is a process of its own; traffic goes to
// 127.0.0.1 only, and every loop is bounded in count and time.
import { execFileSync, fork, spawn } from 'node:child_process';
import net from 'node:net';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { requester } from './lib/ipc.mjs';
import { summarize } from './lib/stats.mjs';
import { payload } from './lib/workload.mjs';
import { printReport, ratioRows } from './lib/report.mjs';

const args = process.argv.slice(2);
const flag = (name) => args.includes(`--${name}`);
const option = (name, fallback) => {
	const at = args.indexOf(`--${name}`);
	return at >= 0 && args[at + 1] ? args[at + 1] : fallback;
};

// --smoke: tiny counts, for `npm test` to prove every scenario still runs (figures meaningless).
const smoke = flag('smoke');
const quick = flag('quick') || smoke;
const pick = (full, fast, tiny) => (smoke ? tiny : quick ? fast : full);
const config = {
	repeats: Number(option('repeats', quick ? 1 : 3)),
	latency: pick({ count: 5000, warmup: 1000 }, { count: 1500, warmup: 300 }, { count: 50, warmup: 10 }),
	throughput: pick(
		{ clients: 100, inFlight: 10, warmupMs: 1500, windowMs: 6000 },
		{ clients: 100, inFlight: 10, warmupMs: 700, windowMs: 2500 },
		{ clients: 10, inFlight: 2, warmupMs: 100, windowMs: 300 }
	),
	roomSizes: option('room-sizes', '') ? option('room-sizes', '').split(',').map(Number) : pick([1000, 5000], [1000], [40]),
	messages: Number(option('messages', smoke ? 5 : 100)),
	handshakes: pick({ total: 2000, concurrency: 50 }, { total: 600, concurrency: 50 }, { total: 30, concurrency: 10 }),
	// A victim's paced calls, idle then under a call flood from other connections (#8).
	flood: pick(
		{ attackers: 4, lanes: 50, durationMs: 5000, paceMs: 20 },
		{ attackers: 4, lanes: 50, durationMs: 2500, paceMs: 20 },
		{ attackers: 2, lanes: 5, durationMs: 300, paceMs: 20 }
	),
	// The scale-out scenario: members of one room, half on each of two processes (#12).
	scaleOut: { members: pick(1000, 1000, 40), paced: pick({ count: 200, paceMs: 10 }, { count: 100, paceMs: 10 }, { count: 5, paceMs: 5 }), rooms: pick(1000, 1000, 20) },
	// --profile writes a V8 CPU profile of every server process to results/profiles/.
	profile: flag('profile')
};
const scenarios = option('only', 'calls,room,handshakes,flood,scaleout').split(',');
const here = fileURLToPath(new URL('.', import.meta.url));

// The Node of the server and load processes, and its flags; a reader of the table must
// see which Node ran, so it is asked for its version before anything runs.
const node = {
	path: option('node', process.env.BENCH_NODE || process.execPath),
	flags: option('node-flags', process.env.BENCH_NODE_FLAGS || '').split(/\s+/).filter(Boolean)
};
node.version = execFileSync(node.path, [...node.flags, '-p', 'process.version'], { encoding: 'utf8' }).trim();
node.label = `node ${node.version}${node.flags.length ? ` ${node.flags.join(' ')}` : ''}`;

// Each implementation: which server and load modules it runs, and with what environment.
// ws picks up `bufferutil` when it is installed; only the engine comparison may use it, so
// every other run is plain ws on both sides.
const IMPLS = {
	'raw-socketio': { code: 'raw-socketio' },
	liverpc: { code: 'liverpc' },
	'raw-ws': { code: 'raw-ws' },
	// Raw Socket.IO whose handlers run inside AsyncLocalStorage.run(), as LiveRPC's do.
	'raw-socketio+als': { code: 'raw-socketio', env: { BENCH_ALS: '1' } },
	'liverpc+bufferutil': { code: 'liverpc', bufferutil: true },
	'raw-socketio+eiows': { code: 'raw-socketio', wsEngine: 'eiows' },
	'liverpc+eiows': { code: 'liverpc', wsEngine: 'eiows' },
	// An OpenTelemetry SDK registered (bench/lib/otel.mjs), as an app's instrumentation.server.ts would.
	'liverpc+otel': { code: 'liverpc', env: { BENCH_OTEL: '1' } },
	// The same SDK's MeterProvider only: metrics without traces.
	'liverpc+otel-metrics': { code: 'liverpc', env: { BENCH_OTEL: 'metrics' } },
	// Another build of the library (--liverpc-before <dir>), for a before/after in one run.
	'liverpc@before': { code: 'liverpc', env: { BENCH_LIVERPC_DIR: option('liverpc-before', '') } }
};
const askedImpls = option('impls', undefined)?.split(',');
for (const impl of askedImpls ?? []) if (!IMPLS[impl]) throw new Error(`--impls: no implementation '${impl}' (${Object.keys(IMPLS).join(', ')})`);
let impls = askedImpls ?? [
	'raw-socketio',
	'liverpc',
	'raw-ws',
	...(flag('engines') ? ['liverpc+bufferutil', 'raw-socketio+eiows', 'liverpc+eiows'] : []),
	...(flag('otel') ? ['liverpc+otel'] : []),
	...(option('liverpc-before', '') ? ['liverpc@before'] : [])
];
if (impls.includes('liverpc@before') && !option('liverpc-before', '')) throw new Error('liverpc@before: say where with --liverpc-before <dir>');
// The smoke run also proves the SDK path records: LiveRPC with an SDK, calls only.
const extraImpls = smoke && !askedImpls && !impls.includes('liverpc+otel') ? { calls: ['liverpc+otel'] } : {};

// eiows is built for one exact Node release: ask that Node whether it loads, and say so.
const engines = {};
if (impls.some((impl) => IMPLS[impl].wsEngine === 'eiows')) {
	const dir = option('eiows', process.env.BENCH_EIOWS || '');
	const probe = execFileSync(node.path, [...node.flags, `${here}lib/ws-engine.mjs`, 'eiows', ...(dir ? [dir] : [])], { encoding: 'utf8' });
	engines.eiows = { asked: dir || '(a plain eiows install)', ...JSON.parse(probe.trim().split('\n').pop()) };
	if (!engines.eiows.available) impls = impls.filter((impl) => IMPLS[impl].wsEngine !== 'eiows');
}

/** Starts one server and one load process for `impl`; `body` drives them; both are ended after. */
async function session(impl, body, extraEnv = {}) {
	const { code, bufferutil, wsEngine, env: implEnv } = IMPLS[impl];
	const env = { ...process.env, ...implEnv, ...extraEnv };
	if (bufferutil) delete env.WS_NO_BUFFER_UTIL;
	else env.WS_NO_BUFFER_UTIL = '1';
	const profile = (role) =>
		config.profile ? ['--cpu-prof', `--cpu-prof-dir=${here}results/profiles`, `--cpu-prof-name=${role}-${impl}-${Date.now()}.cpuprofile`] : [];
	const server = fork(`${here}server/main.mjs`, [code, ...(wsEngine ? [engines[wsEngine].file] : [])], {
		execPath: node.path,
		execArgv: [...node.flags, '--expose-gc', ...profile('server')],
		stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
		env
	});
	const load = fork(`${here}load/main.mjs`, [code], {
		execPath: node.path,
		execArgv: [...node.flags, ...profile('load')],
		stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
		env
	});
	const askServer = requester(server);
	const askLoad = requester(load);
	const cpuAt = {};
	load.on('message', (message) => {
		if (message?.type === 'mark') cpuAt[message.label] = askServer('cpu');
	});
	const cpuBetweenMarks = async () => (await cpuAt.end) - (await cpuAt.start);
	try {
		const url = `http://127.0.0.1:${await askServer('port')}`;
		return await body({ url, askServer, askLoad, cpuBetweenMarks, env });
	} finally {
		// A clean exit lets --cpu-prof write its file; kill only if it does not come.
		for (const [child, ask] of [[load, askLoad], [server, askServer]]) {
			const exited = new Promise((resolve) => child.once('exit', resolve));
			await ask('exit').catch(() => {});
			await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
			child.kill();
		}
	}
}

/** A redis-server of its own on a free port, without persistence, for the scale-out scenario. */
async function startRedis() {
	const port = await new Promise((resolve, reject) => {
		const probe = net.createServer().once('error', reject);
		probe.listen(0, '127.0.0.1', () => {
			const { port } = probe.address();
			probe.close(() => resolve(port));
		});
	});
	const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
	const failed = new Promise((_, reject) => child.once('error', (error) => reject(new Error(`redis-server: ${error.message} (apt-get install -y redis-server)`))));
	for (let i = 0; ; i++) {
		const ready = await Promise.race([
			failed,
			new Promise((resolve) => {
				const socket = net.connect(port, '127.0.0.1');
				socket.once('connect', () => socket.write('PING\r\n'));
				socket.once('data', (data) => (socket.destroy(), resolve(data.toString().startsWith('+PONG'))));
				socket.once('error', () => resolve(false));
			})
		]);
		if (ready) break;
		if (i > 200) throw new Error('redis-server did not start');
		await new Promise((resolve) => setTimeout(resolve, 50));
	}
	return { url: `redis://127.0.0.1:${port}`, stop: () => child.kill('SIGKILL') };
}

/** With an SDK registered, the calls must have reached its exporters, or the column measures nothing. */
async function expectRecorded(impl, received) {
	const spans = received?.traces === false || received?.spanNames.some((name) => name.endsWith('/echo') || name.endsWith('/checked'));
	const metrics = received?.metricNames.includes('liverpc.calls') && received.metricNames.includes('liverpc.call.duration');
	if (!spans || !metrics) throw new Error(`${impl}: the OpenTelemetry SDK received no call spans or metrics (${JSON.stringify(received)})`);
}

const scenarioRuns = {
	async calls(impl) {
		const figures = {};
		await session(impl, async ({ url, askLoad, cpuBetweenMarks }) => {
			await askLoad('connect', { url, n: 1 });
			const latency = await askLoad('latency', { name: 'echo', ...config.latency });
			figures['latency p50 µs'] = latency.p50;
			figures['latency p99 µs'] = latency.p99;
			figures['latency server CPU µs/call'] = (await cpuBetweenMarks()) / latency.calls;
		});
		for (const [name, label] of [['echo', 'pipelined'], ['checked', 'pipelined + valibot']]) {
			await session(impl, async ({ url, askServer, askLoad, cpuBetweenMarks }) => {
				await askLoad('connect', { url, n: config.throughput.clients });
				const run = await askLoad('throughput', { name, ...config.throughput });
				figures[`${label} calls/s`] = run.perSecond;
				figures[`${label} p50 µs`] = run.p50;
				figures[`${label} p99 µs`] = run.p99;
				figures[`${label} server CPU µs/call`] = (await cpuBetweenMarks()) / run.calls;
				if (IMPLS[impl].env?.BENCH_OTEL) await expectRecorded(impl, await askServer('otel'));
			});
		}
		return figures;
	},

	async room(impl) {
		const figures = {};
		for (const size of config.roomSizes) {
			await session(impl, async ({ url, askServer, askLoad }) => {
				// Memory: warm up with a few connections (code compiled on first use is not a
				// per-connection cost), then measure N joined members against that baseline.
				// See BENCHMARKS.md for what else a one-wave delta includes at N = 1,000.
				await askLoad('connect', { url, n: 50, concurrency: 50 });
				await askLoad('closeAll');
				await new Promise((resolve) => setTimeout(resolve, 300));
				const before = await askServer('memory');
				await askLoad('connect', { url, n: size, concurrency: 100 });
				if ((await askServer('connections')) !== size) throw new Error(`${impl}: not all ${size} members connected`);
				await new Promise((resolve) => setTimeout(resolve, 500));
				const after = await askServer('memory');
				const perConnection = (part) => (after[part] - before[part]) / size / 1024;
				figures[`${size} idle joined: heap KB/conn`] = perConnection('heapUsed');
				figures[`${size} idle joined: RSS KB/conn`] = perConnection('rss');
				if (process.env.BENCH_MEMORY_DETAIL) {
					for (const part of ['heapTotal', 'newSpace', 'external', 'arrayBuffers']) {
						figures[`${size} idle joined: ${part} KB/conn (detail)`] = perConnection(part);
					}
				}

				await askLoad('arm', { perClient: config.messages });
				const cpuBefore = await askServer('cpu');
				const { started } = await askServer('broadcast', { count: config.messages, message: payload(7) });
				const { last } = await askLoad('delivered', { timeoutMs: 120_000 });
				const cpuAfter = await askServer('cpu');
				const total = size * config.messages;
				const seconds = Number(BigInt(last) - BigInt(started)) / 1e9;
				figures[`fan-out ${size}: deliveries/s`] = total / seconds;
				figures[`fan-out ${size}: ms until last member has all`] = seconds * 1000;
				figures[`fan-out ${size}: server CPU µs/delivery`] = (cpuAfter - cpuBefore) / total;
				figures[`fan-out ${size}: the emit call itself ms`] = (await askServer('emitCall')).ms;
			});
		}
		return figures;
	},

	async flood(impl) {
		return session(
			impl,
			async ({ url, askServer, askLoad, env }) => {
				// The attackers get a load process of their own, so the victim's timings are not
				// delayed by the attackers' own event loop.
				const attackers = fork(`${here}load/main.mjs`, [IMPLS[impl].code], {
					execPath: node.path,
					execArgv: node.flags,
					stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
					env
				});
				const askAttackers = requester(attackers);
				try {
					await askLoad('connect', { url, n: 1 });
					const { durationMs, paceMs, attackers: count, lanes } = config.flood;
					const idle = await askLoad('paced', { durationMs, paceMs });
					const before = await askServer('memory');
					await askAttackers('attack', { url, attackers: count, lanes });
					const cpuBefore = await askServer('cpu');
					const flooded = await askLoad('paced', { durationMs, paceMs });
					const cpuAfter = await askServer('cpu');
					const served = await askAttackers('stopAttack');
					const after = await askServer('memory');
					return {
						'flood: victim p50 µs, idle': idle.p50,
						'flood: victim p99 µs, idle': idle.p99,
						'flood: victim p50 µs, under flood': flooded.p50,
						'flood: victim p99 µs, under flood': flooded.p99,
						'flood: victim calls failed': flooded.failures,
						'flood: attackers calls/s served': served.acceptedPerSecond,
						'flood: server CPU %': ((cpuAfter - cpuBefore) / (durationMs * 1000)) * 100,
						'flood: server heap MB after − before': (after.heapUsed - before.heapUsed) / 2 ** 20,
						'flood: server RSS MB after − before': (after.rss - before.rss) / 2 ** 20
					};
				} finally {
					await askAttackers('exit').catch(() => {});
					attackers.kill();
				}
			},
			// The app's defaults: the limits are what this scenario measures.
			{ BENCH_LIMITS: 'default' }
		);
	},

	// Fan-out in a scaled-out app: one room, its members split over two server processes
	// sharing a redis-server (LiveRPC's `redis` option; raw Socket.IO with
	// @socket.io/redis-streams-adapter), every message emitted on the first; against the same
	// room on one process. Then emit-to-delivery latency of paced messages, and the memory of
	// each process when the first emits into 1,000 rooms of which the second has members in 10.
	async scaleout(impl) {
		if (impl === 'raw-ws') return {};
		const { members: size, paced, rooms } = config.scaleOut;
		const figures = {};
		const measure = async ({ askServer, askLoad }, label) => {
			await askLoad('arm', { perClient: config.messages });
			const { started } = await askServer('broadcast', { count: config.messages, message: payload(7) });
			const { last } = await askLoad('delivered', { timeoutMs: 120_000 });
			const seconds = Number(BigInt(last) - BigInt(started)) / 1e9;
			figures[`scale-out ${size}: ${label} deliveries/s`] = (size * config.messages) / seconds;
			await askLoad('armLatency', { perClient: paced.count });
			await askServer('paced', paced);
			const latency = await askLoad('latencies', { timeoutMs: 60_000 });
			figures[`scale-out ${size}: ${label} emit-to-delivery p50 ms`] = latency.p50 / 1000;
			figures[`scale-out ${size}: ${label} emit-to-delivery p99 ms`] = latency.p99 / 1000;
		};
		await session(impl, async (run) => {
			await run.askLoad('connect', { url: run.url, n: size, concurrency: 100 });
			await measure(run, 'one process');
		});
		const redis = await startRedis();
		try {
			await session(
				impl,
				async (run) => {
					const { url, askServer, askLoad, env } = run;
					const second = fork(`${here}server/main.mjs`, [IMPLS[impl].code], {
						execPath: node.path,
						execArgv: [...node.flags, '--expose-gc'],
						stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
						env
					});
					const askSecond = requester(second);
					try {
						const secondUrl = `http://127.0.0.1:${await askSecond('port')}`;
						await askLoad('connect', { url, n: size / 2, concurrency: 100 });
						await askLoad('connect', { url: secondUrl, n: size / 2, concurrency: 100 });
						// Both processes know each other before the clock starts.
						await new Promise((resolve) => setTimeout(resolve, 2500));
						await measure(run, 'two processes on Redis');
						figures[`scale-out ${size}: two processes ÷ one process deliveries`] =
							figures[`scale-out ${size}: two processes on Redis deliveries/s`] / figures[`scale-out ${size}: one process deliveries/s`];

						// Memory: members of 10 rooms on the second process only, events in `rooms` rooms from the first.
						await askLoad('closeAll');
						await askLoad('connect', { url: secondUrl, n: 10, concurrency: 10, rooms: 10 });
						const before = [await askServer('memory'), await askSecond('memory')];
						await askServer('rooms', { rooms, message: payload(3) });
						const after = [await askServer('memory'), await askSecond('memory')];
						figures[`scale-out: heap KB of the emitting process, ${rooms} rooms, no members`] = (after[0].heapUsed - before[0].heapUsed) / 1024;
						figures[`scale-out: heap KB of a process with members in 10 of ${rooms} rooms`] = (after[1].heapUsed - before[1].heapUsed) / 1024;
					} finally {
						await askSecond('exit').catch(() => {});
						second.kill();
					}
				},
				{ BENCH_REDIS_URL: redis.url }
			);
		} finally {
			redis.stop();
		}
		return figures;
	},

	async handshakes(impl) {
		return session(impl, async ({ url, askLoad, cpuBetweenMarks }) => {
			const run = await askLoad('handshakes', { url, ...config.handshakes });
			return {
				'handshakes/s': run.perSecond,
				'handshake server CPU µs': (await cpuBetweenMarks()) / config.handshakes.total
			};
		});
	}
};

const started = Date.now();
const samples = {}; // impl -> figure -> [values]
console.log(
	`LiveRPC bench (${smoke ? 'smoke' : quick ? 'quick' : 'full'}): ${config.repeats} repeat(s), scenarios ${scenarios.join(', ')}, ${os.cpus().length} cores`
);
console.log(`  server and load processes: ${node.label} (${node.path})`);
console.log(`  implementations: ${impls.join(', ')}${Object.keys(extraImpls).length ? ` (and ${Object.entries(extraImpls).map(([scenario, extra]) => `${extra.join(', ')} for ${scenario}`).join('; ')})` : ''}`);
if (impls.includes('liverpc@before')) console.log(`  liverpc@before: ${option('liverpc-before', '')}`);
if (engines.eiows) {
	const { available, version, file, reason, asked } = engines.eiows;
	console.log(
		available
			? `  eiows ${version}: loads in ${node.version} (${file})`
			: `  eiows: UNAVAILABLE in ${node.version}, its columns are left out. Looked in ${asked}: ${reason}`
	);
}
for (let repeat = 0; repeat < config.repeats; repeat++) {
	for (const scenario of scenarios) {
		// Rotate the order so no implementation always runs first (or last) in a repeat.
		const order = impls.map((_, i) => impls[(i + repeat) % impls.length]);
		for (const impl of [...order, ...(extraImpls[scenario] ?? [])]) {
			const t = Date.now();
			const figures = await scenarioRuns[scenario](impl);
			for (const [name, value] of Object.entries(figures)) ((samples[impl] ??= {})[name] ??= []).push(value);
			console.log(`  repeat ${repeat + 1} ${scenario.padEnd(10)} ${impl.padEnd(18)} ${((Date.now() - t) / 1000).toFixed(1)} s`);
		}
	}
}

const summary = Object.fromEntries(
	Object.entries(samples).map(([impl, figures]) => [impl, Object.fromEntries(Object.entries(figures).map(([name, values]) => [name, summarize(values)]))])
);
const rows = ratioRows(summary);
printReport(rows, `${node.label}${engines.eiows && !engines.eiows.available ? '; eiows unavailable' : ''}`);

const results = {
	when: new Date().toISOString(),
	quick,
	config,
	machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version },
	// The Node that ran the server and load processes (machine.node ran only this script).
	node: { version: node.version, flags: node.flags, path: node.path },
	impls,
	engines,
	seconds: (Date.now() - started) / 1000,
	summary,
	rows
};
mkdirSync(`${here}results`, { recursive: true });
const file = `${here}results/${smoke ? 'smoke' : quick ? 'quick' : 'full'}-${results.when.replace(/[:.]/g, '-')}.json`;
writeFileSync(file, JSON.stringify(results, null, 2));
if (!smoke) writeFileSync(`${here}results/latest.json`, JSON.stringify(results, null, 2));
if (smoke) {
	// The smoke run proves each implementation produced every figure; its values mean nothing.
	const missing = rows.flatMap((row) =>
		[['raw Socket.IO', row.raw], ['LiveRPC', row.live]].filter(([, s]) => !Number.isFinite(s?.median)).map(([who]) => `${who}: ${row.figure}`)
	);
	if (rows.length === 0 || missing.length > 0) {
		console.error(`bench smoke failed: ${rows.length === 0 ? 'no figures at all' : missing.join('; ')}`);
		process.exitCode = 1;
	} else {
		console.log(`bench smoke: ${rows.length} figures from every implementation`);
	}
}
console.log(`\n${(results.seconds / 60).toFixed(1)} min; results in ${file}`);
