import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from 'liverpc/client';
import { pollingHandshake } from '../../../packages/liverpc/test/support/raw-engine-polling.js';
import { freePort, freshDatabase, startAll, startApp, type RunningApp } from './support/app.js';
import { launchBrowser, openRoom, sendMessage, signIn } from './support/browser.js';
import { kitMajor, proxyHeaders } from './support/generation.js';
import { sessionCookie } from './support/session.js';
import type { Browser } from 'playwright-core';

// #22: what LiveRPC records through @opentelemetry/api, as the app's
// src/instrumentation.server.ts exports it from `node build`: metrics scraped by a real
// Prometheus server (Debian's `prometheus` package; .ci/run installs it), and spans that nest
// under SvelteKit's own when a form action or an endpoint emits.

const PROMETHEUS = process.env.PROMETHEUS_PATH ?? '/usr/bin/prometheus';

/** Resolves once `check` returns a value other than undefined; fails with `what` and the last value seen. */
async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeout = 20_000): Promise<T> {
	const deadline = Date.now() + timeout;
	let last: unknown;
	for (;;) {
		try {
			const value = await check();
			if (value !== undefined) return value;
		} catch (error) {
			last = error;
		}
		if (Date.now() > deadline) throw new Error(`${what}: not within ${timeout} ms (last: ${last instanceof Error ? last.message : String(last)})`);
		await new Promise((resolve) => setTimeout(resolve, 250));
	}
}

/** A Prometheus server of its own, on its own port and storage, scraping `target` every second. */
async function startPrometheus(target: string): Promise<{ url: string; output(): string; stop(): Promise<void> }> {
	if (!existsSync(PROMETHEUS)) throw new Error(`No Prometheus at ${PROMETHEUS}: install Debian's prometheus package (apt-get install prometheus), or set PROMETHEUS_PATH`);
	const dir = mkdtempSync(path.join(tmpdir(), 'rooms-prometheus-'));
	const config = path.join(dir, 'prometheus.yml');
	writeFileSync(config, ['global:', '  scrape_interval: 1s', 'scrape_configs:', '  - job_name: rooms', '    static_configs:', `      - targets: ['${target}']`, ''].join('\n'));
	const port = await freePort();
	const url = `http://127.0.0.1:${port}`;
	const child: ChildProcess = spawn(PROMETHEUS, [`--config.file=${config}`, `--storage.tsdb.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`], {
		stdio: ['ignore', 'pipe', 'pipe']
	});
	let output = '';
	child.stdout!.on('data', (chunk) => (output += chunk));
	child.stderr!.on('data', (chunk) => (output += chunk));
	const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
	const stop = async () => {
		if (child.exitCode === null && child.signalCode === null) {
			child.kill('SIGTERM');
			const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
			await exited;
			clearTimeout(timer);
		}
		rmSync(dir, { recursive: true, force: true });
	};
	try {
		await eventually('Prometheus ready', async () => {
			if (child.exitCode !== null) throw new Error(`Prometheus exited with ${child.exitCode}:\n${output}`);
			return (await fetch(`${url}/-/ready`)).ok || undefined;
		});
	} catch (error) {
		await stop();
		throw new Error(`${(error as Error).message}\n${output}`);
	}
	return { url, output: () => output, stop };
}

/** One number from an instant query's only sample, or undefined while it has none. */
async function queryValue(prometheusUrl: string, query: string): Promise<number | undefined> {
	const response = await fetch(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent(query)}`);
	const body = (await response.json()) as { status: string; error?: string; data?: { result: Array<{ value: [number, string] }> } };
	if (body.status !== 'success') throw new Error(`${query}: ${body.error}`);
	const result = body.data!.result;
	if (result.length > 1) throw new Error(`${query}: ${result.length} samples, expected one`);
	return result.length === 1 ? Number(result[0]!.value[1]) : undefined;
}

/** Polls `query` until it equals `expected`; fails with the last value seen. */
async function expectQuery(prometheusUrl: string, query: string, expected: number): Promise<void> {
	let last: number | undefined;
	await eventually(`${query} == ${expected}`, async () => {
		last = await queryValue(prometheusUrl, query);
		if (last === expected) return true;
		throw new Error(`last value ${last}`);
	});
}

describe('node build serves its metrics for Prometheus (METRICS_PORT)', () => {
	const database = freshDatabase();
	let app: RunningApp;
	let browser: Browser;
	let prometheus: Awaited<ReturnType<typeof startPrometheus>> | undefined;
	let metricsPort: number;

	beforeAll(async () => {
		metricsPort = await freePort();
		await startAll([
			startApp('build', { ...database, env: { METRICS_PORT: String(metricsPort) } }).then((started) => (app = started)),
			launchBrowser().then((launched) => (browser = launched))
		]);
	});
	afterAll(async () => {
		await prometheus?.stop();
		await browser?.close();
		await app?.stop();
		database.remove();
	});

	it('is scraped by a Prometheus server, which answers queries with the calls, connections and durations made', async () => {
		// The exporter serves LiveRPC's instruments, in Prometheus's names, on loopback.
		const first = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
		expect(first).toMatch(/^# TYPE liverpc_connections gauge$/m);
		expect(first).toMatch(/^liverpc_connections\{otel_scope_name="liverpc"\} 0$/m);
		expect(first).toMatch(/^target_info\{.*service_name="rooms"/m);

		prometheus = await startPrometheus(`127.0.0.1:${metricsPort}`);
		await expectQuery(prometheus.url, 'up{job="rooms"}', 1);

		// A signed-in tab joins a room and sends three messages over its socket.
		const alice = await signIn(await browser.newContext(), app.url, 'alice');
		await openRoom(alice, app.url, 'acme-general');
		for (const text of ['one', 'two', 'three']) {
			await sendMessage(alice, text);
			await alice.getByTestId('message').filter({ hasText: text }).waitFor();
			// Listed at once, answered later: the next one waits for the answer, since the form's
			// button stays disabled until then (and Enter submits nothing meanwhile).
			await alice.waitForFunction(() => (document.querySelector('[data-testid="message-input"]') as HTMLInputElement | null)?.value === '');
		}
		// And a handshake from another site, refused for its Origin.
		expect((await pollingHandshake(app.url, { origin: 'https://evil.example' })).status).toBe(403);

		const scraped = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
		expect(scraped).toContain('liverpc_calls_total{route="rooms/[roomId]/chat",call="send",status="200",otel_scope_name="liverpc"} 3');

		// Prometheus has them from its own scrapes: the three sends (the tab's typing calls are
		// calls too, under call="setTyping"), the open connection and its membership, the join,
		// the refusal, the emits, and a median duration within the histogram's buckets.
		await expectQuery(prometheus.url, 'sum(liverpc_calls_total{call="send",status="200"})', 3);
		await expectQuery(prometheus.url, 'liverpc_connections', 1);
		await expectQuery(prometheus.url, 'liverpc_members', 1);
		await expectQuery(prometheus.url, 'sum(liverpc_joins_total{route="rooms/[roomId]/chat",status="200"})', 1);
		await expectQuery(prometheus.url, 'sum(liverpc_handshakes_refused_total{reason="origin"})', 1);
		await expectQuery(prometheus.url, 'sum(liverpc_events_emitted_total{event="message"})', 3);
		await expectQuery(prometheus.url, 'sum(liverpc_call_duration_count{call="send"})', 3);
		const median = await queryValue(prometheus.url, 'histogram_quantile(0.5, sum by (le) (liverpc_call_duration_bucket{call="send",status="200"}))');
		expect(median).toBeGreaterThan(0);
		expect(median).toBeLessThanOrEqual(10);

		// The tab leaves: the gauges follow on the next scrape.
		await alice.context().close();
		await expectQuery(prometheus.url, 'liverpc_connections', 0);
	});
});

/** A span as src/instrumentation.server.ts writes it to TRACES_FILE. */
interface ExportedSpan {
	name: string;
	traceId: string;
	spanId: string;
	parentSpanId?: string;
	kind: number;
	scope: string;
	attributes: Record<string, unknown>;
}

const PRODUCER = 3;

describe('node build traces an emit under the SvelteKit span that made it (TRACES_FILE)', () => {
	const database = freshDatabase();
	const traces = mkdtempSync(path.join(tmpdir(), 'rooms-traces-'));
	const tracesFile = path.join(traces, 'spans.jsonl');
	let app: RunningApp;

	beforeAll(async () => {
		app = await startApp('build', { ...database, env: { TRACES_FILE: tracesFile } });
	});
	afterAll(async () => {
		await app?.stop();
		database.remove();
		rmSync(traces, { recursive: true, force: true });
	});

	const spans = (): ExportedSpan[] =>
		existsSync(tracesFile)
			? readFileSync(tracesFile, 'utf8')
					.split('\n')
					.filter(Boolean)
					.map((line) => JSON.parse(line) as ExportedSpan)
			: [];

	/** The spans above `span` in its trace, nearest first. */
	const ancestors = (span: ExportedSpan, all: ExportedSpan[]): ExportedSpan[] => {
		const parent = all.find((each) => each.traceId === span.traceId && each.spanId === span.parentSpanId);
		return parent ? [parent, ...ancestors(parent, all)] : [];
	};

	/** The emit span of the one trace whose root is `root` (e.g. `sveltekit.handle.root`) on `method`, with its ancestors. */
	const emitUnder = (method: string, route: string) =>
		eventually(`a send span under ${method} ${route}`, async () => {
			const all = spans();
			for (const emit of all.filter((span) => span.name === 'send rooms/[roomId]/chat')) {
				const chain = ancestors(emit, all);
				const root = chain.at(-1);
				if (root?.name === 'sveltekit.handle.root' && root.attributes['http.method'] === method && String(root.attributes['http.url']).includes(route)) {
					return { emit, chain };
				}
			}
			return undefined;
		});

	it("a form action's emit is a PRODUCER span under sveltekit.form_action, in the request's trace", async () => {
		const cookie = await sessionCookie(app.url, 'bob');
		const posted = await fetch(`${app.url}/rooms/acme-general?/send`, {
			method: 'POST',
			redirect: 'manual',
			headers: { origin: app.url, cookie, 'content-type': 'application/x-www-form-urlencoded', ...proxyHeaders },
			body: new URLSearchParams({ text: 'posted by a form, traced' })
		});
		expect(posted.status).toBe(200);

		const { emit, chain } = await emitUnder('POST', '/rooms/acme-general?/send');
		expect(emit.kind).toBe(PRODUCER);
		expect(emit.scope).toBe('liverpc');
		expect(emit.attributes).toMatchObject({ 'messaging.destination.template': 'rooms/[roomId]/chat', 'liverpc.event': 'message' });
		// Its parent is the form action's span; above it, SvelteKit's resolve and the request's root.
		expect(chain.map((span) => span.name)).toEqual(['sveltekit.form_action', 'sveltekit.resolve', 'sveltekit.handle.root']);
		expect(chain[0]!.attributes['sveltekit.form_action.name']).toBe('send');
		expect(chain.every((span) => span.traceId === emit.traceId && span.scope === 'sveltekit')).toBe(true);
	});

	it("an endpoint's emit is under the request's SvelteKit spans", async () => {
		const posted = await fetch(`${app.url}/rooms/acme-general/messages`, {
			method: 'POST',
			headers: { cookie: await sessionCookie(app.url, 'bob'), 'content-type': 'application/json' },
			body: JSON.stringify({ text: 'posted by a script, traced' })
		});
		expect(posted.status).toBe(201);

		const { emit, chain } = await emitUnder('POST', '/rooms/acme-general/messages');
		expect(emit.kind).toBe(PRODUCER);
		// SvelteKit 3 records the endpoint as a span of its own; SvelteKit 2 runs it in resolve's.
		const endpoint = kitMajor >= 3 ? ['sveltekit.endpoint'] : [];
		expect(chain.map((span) => span.name)).toEqual([...endpoint, 'sveltekit.resolve', 'sveltekit.handle.root']);
		expect(chain.every((span) => span.traceId === emit.traceId && span.scope === 'sveltekit')).toBe(true);
	});

	it("a call's span holds its validation and handler, and the handler's emit", async () => {
		const alice = createClient({ url: app.url, headers: { cookie: await sessionCookie(app.url, 'alice') } });
		try {
			const room = alice.live({ send: { '~liverpc': { kind: 'call', route: 'rooms/[roomId]/chat', name: 'send' } } }, { roomId: 'acme-general' }) as unknown as {
				send(input: { text: string }): Promise<unknown>;
			};
			await room.send({ text: 'sent over the socket, traced' });
		} finally {
			alice.close();
		}

		const { call, children, emit } = await eventually('the call span and its children', async () => {
			const all = spans();
			const call = all.find((span) => span.name === 'rooms/[roomId]/chat/send');
			if (!call) return undefined;
			const children = all.filter((span) => span.traceId === call.traceId && span.parentSpanId === call.spanId);
			const handler = children.find((span) => span.name === 'handler');
			const emit = handler && all.find((span) => span.parentSpanId === handler.spanId);
			return emit ? { call, children, emit } : undefined;
		});
		expect(call.parentSpanId).toBeUndefined();
		expect(call.attributes).toMatchObject({ 'rpc.system.name': 'liverpc', 'rpc.response.status_code': '200' });
		expect(children.map((span) => span.name).sort()).toEqual(['handler', 'validate input']);
		expect(emit).toMatchObject({ name: 'send rooms/[roomId]/chat', kind: PRODUCER, traceId: call.traceId });
	});
});
