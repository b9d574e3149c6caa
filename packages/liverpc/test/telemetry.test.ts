import { context, metrics, trace, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { AggregationTemporality, MeterProvider, MetricReader, type DataPoint, type Histogram } from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { LiveLogger, LogFields } from 'liverpc/server';
import { chat, connect, eventually, rejection, startServer } from './harness.js';

// #22: what a server records through @opentelemetry/api once the app registered an SDK, as
// the SDK itself reads it back (real Socket.IO connections, the SDK's own in-memory exporter
// and a metric reader), and the lines it writes through the `logger` option.

/** A reader that collects when asked, as Prometheus's scrape would. */
class CollectOnDemand extends MetricReader {
	constructor() {
		super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
	}
	protected async onForceFlush(): Promise<void> {}
	protected async onShutdown(): Promise<void> {}
}

const spans = new InMemorySpanExporter();
const reader = new CollectOnDemand();
const contextManager = new AsyncLocalStorageContextManager();

beforeAll(() => {
	context.setGlobalContextManager(contextManager.enable());
	trace.setGlobalTracerProvider(new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: spans })] }));
	metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));
});

afterAll(() => {
	trace.disable();
	metrics.disable();
	context.disable();
});

beforeEach(() => spans.reset());

/** The data points of the metric `name` collected now. */
async function points(name: string): Promise<DataPoint<unknown>[]> {
	const { resourceMetrics } = await reader.collect();
	const found = resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics).filter((metric) => metric.descriptor.name === name);
	return found.flatMap((metric) => metric.dataPoints as DataPoint<unknown>[]);
}

async function sumOf(name: string, attributes: Record<string, unknown>): Promise<number> {
	const matching = (await points(name)).filter((point) => Object.entries(attributes).every(([key, value]) => point.attributes[key] === value));
	return matching.reduce((total, point) => total + (point.value as number), 0);
}

function named(name: string): ReadableSpan {
	const span = spans.getFinishedSpans().find((candidate) => candidate.name === name);
	if (!span) throw new Error(`no span '${name}' among ${spans.getFinishedSpans().map((s) => s.name).join(', ')}`);
	return span;
}

function childrenOf(parent: ReadableSpan): string[] {
	return spans
		.getFinishedSpans()
		.filter((span) => span.parentSpanContext?.spanId === parent.spanContext().spanId)
		.map((span) => span.name)
		.sort();
}

describe('OpenTelemetry, with an SDK registered', () => {
	it('traces the handshake, the join and a call, each step under its operation, the emit under the handler', async () => {
		const { url } = await startServer();
		const room = connect(url, 'session=s-alice').live(chat, { roomId: '1' });
		await eventually(() => expect(room.status).toBe('joined'));
		await room.send({ text: 'traced' });
		await eventually(() => named('rooms/[roomId]/chat/send'));

		const handshake = named('handshake');
		expect(handshake.kind).toBe(SpanKind.SERVER);
		expect(childrenOf(handshake)).toEqual(['socket hook']);

		const join = named('join rooms/[roomId]/chat');
		expect(join.kind).toBe(SpanKind.SERVER);
		expect(join.attributes).toMatchObject({ 'rpc.system.name': 'liverpc', 'rpc.method': 'join', 'liverpc.route': 'rooms/[roomId]/chat', 'rpc.response.status_code': '200' });
		expect(childrenOf(join)).toContain('guard');

		const call = named('rooms/[roomId]/chat/send');
		expect(call.kind).toBe(SpanKind.SERVER);
		expect(call.attributes).toMatchObject({ 'rpc.method': 'rooms/[roomId]/chat/send', 'liverpc.call': 'send', 'rpc.response.status_code': '200' });
		expect(call.status.code).not.toBe(SpanStatusCode.ERROR);
		expect(childrenOf(call)).toEqual(['handler', 'validate input']);

		// The handler emits: its PRODUCER span is the handler's child, in the same trace.
		const handler = spans.getFinishedSpans().find((span) => span.name === 'handler' && span.parentSpanContext?.spanId === call.spanContext().spanId)!;
		const emit = named('send rooms/[roomId]/chat');
		expect(emit.kind).toBe(SpanKind.PRODUCER);
		expect(emit.parentSpanContext?.spanId).toBe(handler.spanContext().spanId);
		expect(emit.spanContext().traceId).toBe(call.spanContext().traceId);
		expect(emit.attributes).toMatchObject({ 'messaging.operation.type': 'send', 'messaging.destination.template': 'rooms/[roomId]/chat', 'liverpc.event': 'message' });

		// The room's params' values are never an attribute, nor part of a name.
		for (const span of spans.getFinishedSpans()) {
			expect(span.name).not.toMatch(/\b1\b/);
			for (const value of Object.values(span.attributes)) expect(value).not.toBe('1');
		}
	});

	it("nests an emit made outside any call under the caller's span (a form action's, an endpoint's)", async () => {
		await startServer();
		const tracer = trace.getTracer('app');
		tracer.startActiveSpan('POST /rooms/[roomId]', (action) => {
			chat.notice.to({ roomId: '1' }).emit({ text: 'from a form action' });
			action.end();
		});
		const action = named('POST /rooms/[roomId]');
		expect(named('send rooms/[roomId]/chat').parentSpanContext?.spanId).toBe(action.spanContext().spanId);
	});

	it('records a refusal as the client\'s (4xx, not an error) and a failure as an error with its type', async () => {
		const { url } = await startServer({ logger: silentLogger() });
		const room = connect(url, 'session=s-alice').live(chat, { roomId: '1' });
		await eventually(() => expect(room.status).toBe('joined'));
		expect((await rejection(room.send({ text: 42 } as never))).status).toBe(400);
		expect((await rejection(room.boom())).status).toBe(500);
		await eventually(() => named('rooms/[roomId]/chat/boom'));

		const refused = named('rooms/[roomId]/chat/send');
		expect(refused.attributes['rpc.response.status_code']).toBe('400');
		expect(refused.status.code).not.toBe(SpanStatusCode.ERROR);
		const failed = named('rooms/[roomId]/chat/boom');
		expect(failed.attributes).toMatchObject({ 'rpc.response.status_code': '500', 'error.type': 'Error' });
		expect(failed.status.code).toBe(SpanStatusCode.ERROR);
	});

	it('counts calls by route, call and status, times them, and reports connections, rooms and members', async () => {
		const { url } = await startServer({ logger: silentLogger() });
		const callsBefore = await sumOf('liverpc.calls', { route: 'rooms/[roomId]/chat', call: 'send', status: 200 });
		const joinsBefore = await sumOf('liverpc.joins', { route: 'rooms/[roomId]/chat', status: 200 });
		const refusedBefore = await sumOf('liverpc.joins', { route: 'rooms/[roomId]/chat', status: 403 });
		const deliveredBefore = await sumOf('liverpc.events.delivered', { route: 'rooms/[roomId]/chat', event: 'message' });

		const alice = connect(url, 'session=s-alice').live(chat, { roomId: '1' });
		const bob = connect(url, 'session=s-bob').live(chat, { roomId: '1' });
		const eve = connect(url, 'session=s-eve').live(chat, { roomId: '1' });
		await eventually(() => expect([alice.status, bob.status]).toEqual(['joined', 'joined']));
		await eventually(() => expect(eve.status).toBe('rejected'));
		for (let i = 0; i < 3; i++) await alice.send({ text: `m${i}` });

		expect(await sumOf('liverpc.calls', { route: 'rooms/[roomId]/chat', call: 'send', status: 200 })).toBe(callsBefore + 3);
		expect(await sumOf('liverpc.joins', { route: 'rooms/[roomId]/chat', status: 200 })).toBe(joinsBefore + 2);
		expect(await sumOf('liverpc.joins', { route: 'rooms/[roomId]/chat', status: 403 })).toBeGreaterThan(refusedBefore);
		// Each message was handed to the room's two members.
		await eventually(async () => expect(await sumOf('liverpc.events.delivered', { route: 'rooms/[roomId]/chat', event: 'message' })).toBe(deliveredBefore + 6));

		const durations = (await points('liverpc.call.duration')).filter((point) => point.attributes.call === 'send' && point.attributes.status === 200);
		const histogram = durations.reduce((total, point) => total + (point.value as Histogram).count, 0);
		expect(histogram).toBeGreaterThanOrEqual(3);
		// The send handler waits 5 ms: a duration under that would be a clock read at the wrong place.
		expect(Math.min(...durations.map((point) => (point.value as Histogram).min ?? 0))).toBeGreaterThanOrEqual(0.004);

		expect(await sumOf('liverpc.connections', {})).toBeGreaterThanOrEqual(3);
		expect(await sumOf('liverpc.members', {})).toBeGreaterThanOrEqual(2);
		expect(await sumOf('liverpc.rooms', {})).toBeGreaterThanOrEqual(1);
	});

	it('counts handshakes refused by reason and limits hit by kind', async () => {
		const { url } = await startServer({ logger: silentLogger(), limits: { callsPerSecond: 1, callBurst: 1 } });
		const refusedBefore = await sumOf('liverpc.handshakes.refused', { reason: 'hook-401' });
		const limitedBefore = await sumOf('liverpc.limits.hit', { kind: 'call-rate' });
		const banned = connect(url, 'session=s-alice; banned=1');
		await eventually(async () => expect(await sumOf('liverpc.handshakes.refused', { reason: 'hook-401' })).toBeGreaterThan(refusedBefore));
		banned.close();

		const room = connect(url, 'session=s-alice').live(chat, { roomId: '1' });
		await eventually(() => expect(room.status).toBe('joined'));
		const answers = await Promise.allSettled([room.whoami({}), room.whoami({}), room.whoami({})]);
		expect(answers.some((answer) => answer.status === 'rejected')).toBe(true);
		expect(await sumOf('liverpc.limits.hit', { kind: 'call-rate' })).toBeGreaterThan(limitedBefore);
	});
});

describe('the logger option', () => {
	it('writes an unexpected error once, with its id, connection and route, and never sends what was thrown', async () => {
		const logger = recordingLogger();
		const { url } = await startServer({ logger });
		const room = connect(url, 'session=s-alice').live(chat, { roomId: '1' });
		await eventually(() => expect(room.status).toBe('joined'));
		const failure = await rejection(room.boom());
		expect(failure.message).toBe('Internal Error');

		const line = logger.lines.find((entry) => entry.fields.errorId === failure.id);
		expect(line).toMatchObject({ level: 'error', message: 'call rooms/[roomId]/chat#boom failed', fields: { route: 'rooms/[roomId]/chat' } });
		expect(line!.fields.connectionId).toMatch(/\S/);
		expect((line!.fields.err as Error).message).toBe('database password is hunter2');
	});

	it('writes a refused handshake and a limit hit, each kind at most once per ten seconds', async () => {
		const logger = recordingLogger();
		const { url } = await startServer({ logger, limits: { callsPerSecond: 1, callBurst: 1 } });
		const room = connect(url, 'session=s-alice').live(chat, { roomId: '1' });
		await eventually(() => expect(room.status).toBe('joined'));
		await Promise.allSettled(Array.from({ length: 8 }, () => room.whoami({})));
		const limits = logger.lines.filter((entry) => entry.fields.reason === 'call-rate');
		expect(limits).toHaveLength(1);
		expect(limits[0]).toMatchObject({ level: 'warn' });
		expect(limits[0]!.fields.connectionId).toMatch(/\S/);

		const banned = connect(url, 'session=s-alice; banned=1');
		await eventually(() => expect(logger.lines.some((entry) => entry.fields.reason === 'hook-401')).toBe(true));
		banned.close();
	});

	it('keeps serving when the logger itself throws', async () => {
		const throwing: LiveLogger = {
			info: () => {
				throw new Error('log store down');
			},
			warn: () => {
				throw new Error('log store down');
			},
			error: () => {
				throw new Error('log store down');
			}
		};
		const quiet = console.error;
		console.error = () => {};
		try {
			const { url } = await startServer({ logger: throwing });
			const room = connect(url, 'session=s-alice').live(chat, { roomId: '1' });
			await eventually(() => expect(room.status).toBe('joined'));
			expect((await rejection(room.boom())).status).toBe(500);
			expect(await room.send({ text: 'still here' })).toMatchObject({ text: 'still here' });
		} finally {
			console.error = quiet;
		}
	});

	it('refuses a logger without the three methods, naming the option', async () => {
		await expect(startServer({ logger: { info() {} } as never })).rejects.toThrow(/logger must have info, warn and error methods/);
	});
});

type Line = { level: string; fields: LogFields; message: string };

function recordingLogger(): LiveLogger & { lines: Line[] } {
	const lines: Line[] = [];
	const write = (level: string) => (fields: LogFields, message: string) => void lines.push({ level, fields, message });
	return { lines, info: write('info'), warn: write('warn'), error: write('error') };
}

function silentLogger(): LiveLogger {
	return { info() {}, warn() {}, error() {} };
}
