import { metrics, trace } from '@opentelemetry/api';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { TracerProvider } from '@opentelemetry/sdk-trace';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { consoleLogger } from './live-logger.js';
import { tracing } from './live-tracing.js';
import { ServerTelemetry } from './server-telemetry.js';

afterEach(() => {
	trace.disable();
	metrics.disable();
	vi.restoreAllMocks();
});

describe('ServerTelemetry', () => {
	it('measures nothing while no SDK is registered and no inspector listens, and starts once one is', () => {
		const telemetry = new ServerTelemetry(() => undefined);
		expect(telemetry.measuring).toBe(false);
		expect(tracing()).toBe(false);

		trace.setGlobalTracerProvider(new TracerProvider());
		expect(tracing()).toBe(true);
		metrics.setGlobalMeterProvider(new MeterProvider());
		expect(telemetry.measuring).toBe(false); // the instruments are remade at the next handshake
		telemetry.metrics.refresh();
		expect(telemetry.measuring).toBe(true);
	});

	it('measures while the inspector listens, without an SDK', () => {
		const telemetry = new ServerTelemetry(() => undefined);
		telemetry.activity = () => {};
		expect(telemetry.measuring).toBe(true);
	});

	it('logs a repeated kind once per window, then says how many it left out', () => {
		const lines: unknown[] = [];
		const telemetry = new ServerTelemetry(() => ({ info() {}, error() {}, warn: (fields, message) => void lines.push({ fields, message }) }));
		let now = 1_000_000;
		vi.spyOn(Date, 'now').mockImplementation(() => now);
		for (let i = 0; i < 5; i++) telemetry.limitHit('call-rate', { connectionId: 'c1' }, 'a packet was refused');
		expect(lines).toEqual([{ fields: { connectionId: 'c1', reason: 'call-rate' }, message: 'a packet was refused' }]);
		now += 10_001;
		telemetry.limitHit('call-rate', { connectionId: 'c2' }, 'a packet was refused');
		expect(lines[1]).toEqual({ fields: { connectionId: 'c2', reason: 'call-rate', notLoggedSince: 4 }, message: 'a packet was refused' });
		telemetry.limitHit('rooms', {}, 'a join was refused');
		expect(lines).toHaveLength(3);
	});
});

describe('the console logger', () => {
	it('writes the message, the error id and where, then the error as the console prints it', () => {
		const error = vi.spyOn(console, 'error').mockImplementation(() => {});
		const thrown = new Error('boom');
		consoleLogger.error({ connectionId: 'abc', route: 'rooms/[id]', errorId: 'e-1', reason: 'x', err: thrown }, 'call rooms/[id]#send failed');
		expect(error).toHaveBeenCalledWith('[liverpc] call rooms/[id]#send failed, error id e-1 (connection abc, route rooms/[id]):', thrown);
		const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
		consoleLogger.warn({ reason: 'origin' }, 'refused a connection: Origin … is not allowed');
		expect(warn).toHaveBeenCalledWith('[liverpc] refused a connection: Origin … is not allowed');
	});
});
