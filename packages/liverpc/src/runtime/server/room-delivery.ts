import type { Server } from 'socket.io';
import { EVENT } from '../shared/protocol.js';
import type { CallMemory, RecallCall } from './calls/call-memory.js';
import type { ScaledOut, scaleOut as ScaleOutFunction } from './cluster/scale-out.js';
import type { RoomContract } from './contract/contract-registry.js';
import { eventSinks, pushSinks, volatileSinks, type EventSink, type PushSink, type VolatileSink } from './contract/event-sinks.js';
import { keyRoom } from './contract/revocation.js';
import { membershipsOf } from './gate/connection-state.js';
import type { LiveSettings } from './options/live-options.js';
import type { RedisClient } from './options/redis-client.js';
import { RoomLogs, type DeliverEvent, type RoomEventLog } from './rooms/room-log.js';
import { RoomPresences } from './rooms/room-presence.js';
import { VolatileSends } from './rooms/volatile-sends.js';
import { CoalescingRate } from './support/coalescing-rate.js';
import type { ServerTelemetry } from './telemetry/server-telemetry.js';
import { endStep, startEmitSpan, tracing } from './telemetry/live-tracing.js';

/** The cluster's entry, by type only: the module itself is loaded when `redis` is set. */
type ScaleOut = typeof ScaleOutFunction;

/**
 * How one server orders, keeps and delivers room events and presence: in memory for one
 * process, through Redis once scaled out. Read on every use (`logs`, `presences`, `recall`),
 * since scaling out happens after the server is made (the cluster is loaded on demand, and
 * `vite dev` may scale out when it reads `hooks.socket.ts`).
 */
export interface RoomDelivery {
	logs: RoomEventLog;
	presences: RoomPresences;
	/** Set once scaled out. */
	cluster: ScaledOut['cluster'] | undefined;
	/** Scaled out: asks the other processes about a call sent again. */
	recall: RecallCall | undefined;
	/**
	 * While the cluster loads: new sessions wait for it (the socket server's `allowRequest`),
	 * and emits, pushes and revocations made meanwhile are held, in their order, so that none
	 * of them misses Redis.
	 */
	scaling: Promise<void> | undefined;
	/** Takes the events of this server's routes emitted anywhere in the process. */
	sink: EventSink;
	/** Takes the pushes to a key (`event.toKey()`) of this server's routes. */
	push: PushSink;
	/**
	 * Takes the volatile events of this server's routes: each member's within its rate
	 * (`limits.volatilePerSecond`, the latest per key kept past it), then to this process's
	 * members and, scaled out, the others', never logged.
	 */
	volatile: VolatileSink;
	/** Scaled out: tells the other processes about a revocation. */
	revoke(keys: readonly string[]): void;
	scaleOut(redis: RedisClient): void;
	/** Stops taking the process's emits and pushes, and stops the logs and, scaled out, the cluster. */
	stop(): Promise<void>;
}

/** Makes a server's room delivery, in memory, scaled out at once when `redis` is set, and listening to the process's emits. */
export function createRoomDelivery(io: Server, contracts: Map<string, RoomContract>, settings: LiveSettings, callMemory: CallMemory, telemetry: ServerTelemetry): RoomDelivery {
	const local = localDelivery(io, contracts, settings, telemetry);
	/** Per membership being served (its join or call event): the rate of its volatile emits. */
	const volatileRates = new WeakMap<object, CoalescingRate>();
	/** Runs `action` now, or once the cluster has loaded (after what was held before it). */
	const whenScaled = (action: () => void) => {
		if (delivery.scaling) void delivery.scaling.then(action);
		else action();
	};
	const delivery: RoomDelivery = {
		logs: new RoomLogs(settings.options.buffer, local.hasMembers, local.deliver),
		presences: new RoomPresences(io, '', undefined, () => settings.options.limits.presenceUpdatesPerSecond),
		cluster: undefined,
		recall: undefined,
		scaling: undefined,
		// Every emit of the process passes here: no closure unless the cluster is still loading.
		sink: (routeId, key, name, payload, id) => {
			if (!contracts.has(routeId)) return;
			// Under the current span: a form action's, an endpoint's or a call's handler's.
			const span = tracing() ? startEmitSpan(routeId, name) : undefined;
			if (delivery.scaling) void delivery.scaling.then(() => delivery.logs.emit(key, name, payload, id));
			else delivery.logs.emit(key, name, payload, id);
			if (telemetry.measuring) telemetry.emitted(routeId, name);
			if (span) endStep(span);
		},
		push: (routeId, key, name, payload) => {
			if (!contracts.has(routeId)) return;
			whenScaled(() => {
				local.pushLocally(routeId, key, name, payload);
				delivery.cluster?.push(routeId, key, name, payload);
			});
		},
		volatile: (routeId, key, name, payload, latest, source) => {
			if (!contracts.has(routeId)) return;
			const send = () =>
				whenScaled(() => {
					local.sendVolatile(key, name, payload, latest);
					delivery.cluster?.volatile(key, name, payload, latest);
				});
			// Emitted from outside any join or call (a job, a form action): the app's own pace.
			if (source === undefined) return send();
			let rate = volatileRates.get(source);
			if (!rate) volatileRates.set(source, (rate = new CoalescingRate(settings.options.limits.volatilePerSecond)));
			rate.offer(`${key}\u0000${latest}`, send);
		},
		revoke: (keys) => whenScaled(() => delivery.cluster?.revoke(keys)),
		scaleOut(redis) {
			delivery.scaling = loadCluster(delivery, io, redis, callMemory, {
				settings: () => settings.options.buffer,
				presenceRate: () => settings.options.limits.presenceUpdatesPerSecond,
				log: (level, fields, message) => telemetry.log(level, fields, message),
				...local
			});
		},
		async stop() {
			eventSinks.delete(delivery.sink);
			pushSinks.delete(delivery.push);
			volatileSinks.delete(delivery.volatile);
			local.volatileSends.stop();
			delivery.logs.stop();
			// A cluster still loading is made first, then stopped with the rest.
			await delivery.scaling;
			await delivery.cluster?.stop();
		}
	};
	if (settings.options.redis) delivery.scaleOut(settings.options.redis);
	eventSinks.add(delivery.sink);
	pushSinks.add(delivery.push);
	volatileSinks.add(delivery.volatile);
	return delivery;
}

/** How this process's own members get what a room delivers: the same in memory and scaled out. */
function localDelivery(io: Server, contracts: Map<string, RoomContract>, settings: LiveSettings, telemetry: ServerTelemetry) {
	// The namespace's adapter is read on every use: scaling out replaces it.
	const hasMembers = (key: string) => (io.of('/').adapter.rooms.get(key)?.size ?? 0) > 0;
	const deliver: DeliverEvent = (key, event) => {
		if (telemetry.measuring) telemetry.delivered(key, event.name, io.of('/').adapter.rooms.get(key)?.size ?? 0);
		if (event.id === undefined) io.local.to(key).emit(EVENT, key, event.name, event.payload, event.seq);
		else io.local.to(key).emit(EVENT, key, event.name, event.payload, event.seq, event.id);
	};
	// A push to a key: each membership of the route held by a connection with that key gets
	// the event, outside the room's log (no seq: not resumed).
	const pushLocally = (routeId: string, key: string, name: string, payload: unknown) => {
		if (!contracts.has(routeId)) return;
		const namespace = io.of('/');
		for (const id of namespace.adapter.rooms.get(keyRoom(key)) ?? []) {
			const socket = namespace.sockets.get(id);
			if (!socket) continue;
			for (const membership of membershipsOf(socket)) {
				if (membership.contract.pattern.id === routeId) socket.emit(EVENT, membership.key, name, payload);
			}
		}
	};
	const volatileSends = new VolatileSends(io, () => settings.options.limits.maxBufferedBytes);
	const sendVolatile = (key: string, name: string, payload: unknown, latest: string) => volatileSends.send(key, name, payload, latest);
	return { hasMembers, deliver, pushLocally, sendVolatile, volatileSends };
}

/**
 * Loads the cluster folder and moves the delivery onto Redis; resolves once done. A failed
 * load can only be a broken install (the options checked that the adapter is installed):
 * the process then serves alone rather than not at all, and says so.
 */
function loadCluster(delivery: RoomDelivery, io: Server, redis: RedisClient, callMemory: CallMemory, parts: Parameters<ScaleOut>[3]): Promise<void> {
	return import('./cluster/scale-out.js').then(
		(cluster) => {
			const scaled = cluster.scaleOut(io, redis, callMemory, parts);
			delivery.logs.stop();
			delivery.cluster = scaled.cluster;
			delivery.recall = scaled.recall;
			delivery.logs = scaled.cluster.logs;
			delivery.presences = scaled.cluster.presences;
			delivery.scaling = undefined;
		},
		(problem: unknown) => {
			parts.log?.('error', { err: problem }, 'could not load the scale-out code, serving this process alone');
			delivery.scaling = undefined;
		}
	);
}
