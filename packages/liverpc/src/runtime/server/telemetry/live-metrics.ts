import { createNoopMeter, metrics, ValueType, type BatchObservableResult, type Counter, type Histogram, type Meter, type MeterProvider, type Observable } from '@opentelemetry/api';

/** The instrumentation scope LiveRPC's metrics and spans are recorded under. */
export const SCOPE = 'liverpc';

/** Seconds: calls take well under a millisecond to several seconds (a slow database). */
const DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

const NOOP_METER_TYPE = createNoopMeter().constructor;

/** What a server tells its gauges when the app's metrics reader collects. */
export interface GaugeReadings {
	connections: number;
	rooms: number;
	members: number;
	/** 1 or 0 while scaled out on Redis, undefined on one process. */
	redisConnected: number | undefined;
}

/**
 * LiveRPC's instruments, made through the OpenTelemetry metrics API on whatever
 * `MeterProvider` the app registered (its `instrumentation.server.ts`), or on none: then
 * {@link active} is false and the servers record nothing, not even a clock reading.
 * Counters carry route ids (`/rooms/[id]`) and call and event names, never params' values.
 */
export class LiveMetrics {
	/** False while no SDK is registered: the hot paths skip their measurements. */
	active = false;
	handshakesRefused!: Counter;
	calls!: Counter;
	callDuration!: Histogram;
	joins!: Counter;
	limitsHit!: Counter;
	eventsEmitted!: Counter;
	eventsDelivered!: Counter;
	resumes!: Counter;
	revocations!: Counter;
	#provider: MeterProvider | undefined;
	#meter!: Meter;
	#gauges: Observable[] = [];
	#read: (() => GaugeReadings) | undefined;
	#observer: ((result: BatchObservableResult) => void) | undefined;

	constructor() {
		this.refresh();
	}

	/**
	 * Makes the instruments again if the app registered another `MeterProvider` since: an SDK
	 * started after the server (a test, a late `instrumentation.server.ts`) is used from the
	 * next handshake on.
	 */
	refresh(): void {
		const provider = metrics.getMeterProvider();
		if (provider === this.#provider) return;
		this.#provider = provider;
		const read = this.#read;
		this.stop();
		this.#create(provider.getMeter(SCOPE));
		if (read) this.observe(read);
	}

	#create(meter: Meter): void {
		this.#meter = meter;
		this.active = !(meter instanceof NOOP_METER_TYPE);
		const counter = (name: string, description: string, unit: string) => meter.createCounter(name, { description, unit, valueType: ValueType.INT });
		this.handshakesRefused = counter('liverpc.handshakes.refused', 'Handshakes refused, by reason (origin, address-rate, hook-401, shutdown, …)', '{handshake}');
		this.calls = counter('liverpc.calls', 'Calls answered, by route, call and status (200, or the error status)', '{call}');
		this.callDuration = meter.createHistogram('liverpc.call.duration', {
			description: 'Time from a call read off the wire to its answer, by route, call and status',
			unit: 's',
			advice: { explicitBucketBoundaries: DURATION_BUCKETS }
		});
		this.joins = counter('liverpc.joins', 'Joins answered, by route and status', '{join}');
		this.limitsHit = counter('liverpc.limits.hit', 'Packets, handshakes and connections refused or cut by a limit, by kind', '{refusal}');
		this.eventsEmitted = counter('liverpc.events.emitted', 'Room events emitted in this process, by route and event', '{event}');
		this.eventsDelivered = counter('liverpc.events.delivered', "Room events handed to this process's members, by route and event", '{delivery}');
		this.resumes = counter('liverpc.resumes', 'Re-joins from a known position, by route and outcome (filled: nothing missed; gap: the client reset)', '{resume}');
		this.revocations = counter('liverpc.revocations', 'Connections ended by revoke()', '{connection}');
		const gauge = (name: string, description: string, unit: string) => meter.createObservableUpDownCounter(name, { description, unit, valueType: ValueType.INT });
		this.#gauges = [
			gauge('liverpc.connections', 'Open LiveRPC connections in this process', '{connection}'),
			gauge('liverpc.rooms', 'Rooms with at least one member in this process', '{room}'),
			gauge('liverpc.members', 'Memberships (a connection in a room) in this process', '{member}'),
			meter.createObservableGauge('liverpc.redis.connected', { description: 'Whether the Redis link is up (1) or lost (0), when scaled out', unit: '1', valueType: ValueType.INT })
		];
	}

	/**
	 * Reports `read()` each time the app's reader collects. One server's readings add up with
	 * the others' in the same process (a test, or two servers on two ports).
	 */
	observe(read: () => GaugeReadings): void {
		this.#read = read;
		if (!this.active) return;
		const [connections, rooms, members, redis] = this.#gauges as [Observable, Observable, Observable, Observable];
		this.#observer = (result) => {
			const readings = read();
			result.observe(connections, readings.connections);
			result.observe(rooms, readings.rooms);
			result.observe(members, readings.members);
			if (readings.redisConnected !== undefined) result.observe(redis, readings.redisConnected);
		};
		this.#meter.addBatchObservableCallback(this.#observer, this.#gauges);
	}

	/** Stops reporting this server's gauges (it has stopped). */
	stop(): void {
		if (this.#observer) this.#meter.removeBatchObservableCallback(this.#observer, this.#gauges);
		this.#observer = undefined;
		this.#read = undefined;
	}
}
