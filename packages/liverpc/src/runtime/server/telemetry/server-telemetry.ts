import { consoleLogger, writeLog, type LiveLogger, type LogFields } from './live-logger.js';
import { LiveMetrics, type GaugeReadings } from './live-metrics.js';

/** One answered call, join or emit, as the dev inspector lists it. */
export interface Activity {
	kind: 'call' | 'join' | 'event' | 'refusal';
	/** Date.now() when it was answered (or emitted). */
	at: number;
	route: string | undefined;
	/** The call's or the event's name, or the refusal's reason. */
	name: string | undefined;
	connectionId: string | undefined;
	/** 200 or the error status; for an event, undefined. */
	status: number | undefined;
	/** From reading it off the wire to the answer; for an event, undefined. */
	ms: number | undefined;
	/** For an event: how many members of this process it was handed to. */
	delivered?: number;
}

/** Where a server reports what it answers, when something (the dev inspector) listens. */
export type ActivityListener = (activity: Activity) => void;

/** How often one kind of refusal or limit may be logged: once per window, then a count. */
const QUIET_MS = 10_000;

/**
 * What one LiveRPC server tells the outside about itself: its metrics (OpenTelemetry), its log
 * lines (the `logger` option), and, in `vite dev`, its activity for the inspector. The hot
 * paths ask {@link measuring} first: with no SDK registered and no inspector open they read
 * no clock and make no object.
 */
export class ServerTelemetry {
	readonly metrics: LiveMetrics;
	/** Set by the dev server while its inspector is served; never in `node build`. */
	activity: ActivityListener | undefined;
	readonly #logger: () => LiveLogger;
	readonly #quiet = new Map<string, { until: number; skipped: number }>();

	constructor(logger: () => LiveLogger | undefined, metrics: LiveMetrics = new LiveMetrics()) {
		this.#logger = () => logger() ?? consoleLogger;
		this.metrics = metrics;
	}

	/** Whether calls and joins are timed and counted: an SDK's meter or the inspector listens. */
	get measuring(): boolean {
		return this.metrics.active || this.activity !== undefined;
	}

	/** The logger in use now (the option can change in `vite dev`). */
	get logger(): LiveLogger {
		return this.#logger();
	}

	log(level: keyof LiveLogger, fields: LogFields, message: string): void {
		writeLog(this.#logger(), level, fields, message);
	}

	/**
	 * Logs a line of a kind that an attacker can repeat at will (refusals, limits): the first
	 * of its kind at once, then at most one per ten seconds saying how many were not logged.
	 */
	#logOccasionally(kind: string, level: keyof LiveLogger, fields: LogFields, message: string): void {
		const now = Date.now();
		const quiet = this.#quiet.get(kind);
		if (quiet && now < quiet.until) {
			quiet.skipped++;
			return;
		}
		const skipped = quiet?.skipped ?? 0;
		if (this.#quiet.size > 1_000) this.#quiet.clear(); // kinds are ours, few; a bound all the same
		this.#quiet.set(kind, { until: now + QUIET_MS, skipped: 0 });
		this.log(level, skipped > 0 ? { ...fields, notLoggedSince: skipped } : fields, message);
	}

	/** A handshake refused before it became a connection: by Origin, admission, the hook or a shutdown. */
	handshakeRefused(reason: string, level: keyof LiveLogger, fields: LogFields, message: string): void {
		this.metrics.handshakesRefused.add(1, { reason });
		this.#logOccasionally(`handshake:${reason}`, level, { ...fields, reason }, message);
		this.activity?.(refusalActivity(reason, fields.connectionId));
	}

	/** A packet, connection or send refused or cut by one of `limits`. */
	limitHit(kind: string, fields: LogFields, message: string): void {
		this.metrics.limitsHit.add(1, { kind });
		this.#logOccasionally(`limit:${kind}`, 'warn', { ...fields, reason: kind }, message);
		this.activity?.(refusalActivity(kind, fields.connectionId));
	}

	/** A call answered; `startedAt` is the `performance.now()` read when {@link measuring}. */
	callAnswered(route: string, call: string, status: number, startedAt: number, connectionId: string): void {
		const seconds = (performance.now() - startedAt) / 1000;
		const attributes = { route, call, status };
		this.metrics.calls.add(1, attributes);
		this.metrics.callDuration.record(seconds, attributes);
		this.activity?.({ kind: 'call', at: Date.now(), route, name: call, connectionId, status, ms: seconds * 1000 });
	}

	/** A join answered (admitted with 200, or refused). */
	joinAnswered(route: string, status: number, startedAt: number, connectionId: string): void {
		this.metrics.joins.add(1, { route, status });
		this.activity?.({ kind: 'join', at: Date.now(), route, name: undefined, connectionId, status, ms: performance.now() - startedAt });
	}

	/** A re-join from a known position: `filled` when the member missed nothing, else it was told to reset. */
	resumed(route: string, filled: boolean): void {
		if (this.metrics.active) this.metrics.resumes.add(1, { route, outcome: filled ? 'filled' : 'gap' });
	}

	/** An event emitted, in this process, to a room of `route`. */
	emitted(route: string, event: string): void {
		if (this.metrics.active) this.metrics.eventsEmitted.add(1, { route, event });
	}

	/** A logged event handed to the `members` of this process in the room `key` (`route#room`). */
	delivered(key: string, event: string, members: number): void {
		const route = key.slice(0, key.indexOf('#'));
		if (this.metrics.active) this.metrics.eventsDelivered.add(members, { route, event });
		this.activity?.({ kind: 'event', at: Date.now(), route, name: event, connectionId: undefined, status: undefined, ms: undefined, delivered: members });
	}

	/** Connections of this process ended by `revoke()`. */
	revoked(connections: number): void {
		if (connections > 0) this.metrics.revocations.add(connections);
	}

	/** Starts reporting the server's gauges to the app's metrics reader. */
	observe(read: () => GaugeReadings): void {
		this.metrics.observe(read);
	}

	stop(): void {
		this.metrics.stop();
	}
}

function refusalActivity(reason: string, connectionId: string | undefined): Activity {
	return { kind: 'refusal', at: Date.now(), route: undefined, name: reason, connectionId, status: undefined, ms: undefined };
}
