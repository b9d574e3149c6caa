import { randomBytes } from 'node:crypto';
import type { Server, ServerOptions } from 'socket.io';
import type { BufferSettings } from '../options/live-options.js';
import type { DeliverEvent } from '../rooms/room-log.js';
import { RoomPresences } from '../rooms/room-presence.js';
import { isThenable } from '../support/promise-or-value.js';
import { loadStreamsAdapter, type RedisClient } from '../options/redis-client.js';
import { consoleLine, RedisLink, type LogLine } from './redis-link.js';
import { RedisRoomLogs } from './redis-room-logs.js';
import { REFRESH_PRESENCE, RedisScript, roomKeys } from './redis-scripts.js';
import { PRESENCE_TTL_MS, PUSH_CHANNEL, RedisWriter, REVOKE_CHANNEL, VOLATILE_CHANNEL } from './redis-writer.js';
import { isKey, revokedElsewhere } from '../contract/revocation.js';

type AdapterConstructor = NonNullable<ServerOptions['adapter']>;

const REFRESH = new RedisScript(REFRESH_PRESENCE);

/**
 * The Socket.IO adapter of a scaled-out app: `@socket.io/redis-streams-adapter` on the app's
 * Redis client, so that rooms named by the hook's keys reach every process (revocation,
 * pushes to one user). Its client is wrapped so that a command the adapter fires and never
 * awaits (a PUBLISH while Redis is down) cannot end the process as an unhandled rejection.
 */
export function redisStreamsAdapter(redis: RedisClient): AdapterConstructor {
	// A shorter blocking read lets the adapter's reader notice a shutdown within a second.
	return loadStreamsAdapter().createAdapter(neverUnhandled(redis), { blockTimeInMs: 1000 });
}

/**
 * A view of a client whose commands' promises always have a rejection handler: callers that
 * await them still see the failure; callers that do not no longer crash the process.
 */
function neverUnhandled<T extends object>(client: T): T {
	return new Proxy(client, {
		get(target, property) {
			const value = Reflect.get(target, property, target) as unknown;
			if (typeof value !== 'function') return value;
			return (...args: unknown[]) => {
				const result = (value as (...args: unknown[]) => unknown).apply(target, args);
				if (property === 'duplicate' && typeof result === 'object' && result !== null) {
					(result as RedisClient).on('error', ignore);
					return neverUnhandled(result);
				}
				if (isThenable(result)) (result as Promise<unknown>).then(undefined, ignore);
				return result;
			};
		}
	});
}

function ignore(): void {}

/**
 * A scaled-out process: its writer (its events and presence changes, in order, to Redis),
 * its subscriber (the rooms it has members in), the room logs read from Redis, presence
 * kept in Redis, and the state of the link.
 */
export class RedisCluster {
	/** Names this process's connections in presence; new at every start. */
	readonly processId = randomBytes(6).toString('base64url');
	readonly logs: RedisRoomLogs;
	readonly presences: RoomPresences;
	readonly link: RedisLink;
	#redis: RedisClient;
	#subscriber: RedisClient;
	#writer: RedisWriter;
	#refresher: ReturnType<typeof setInterval>;

	constructor(
		io: Server,
		redis: RedisClient,
		parts: {
			settings: () => BufferSettings;
			deliver: DeliverEvent;
			hasMembers: (key: string) => boolean;
			/** `limits.presenceUpdatesPerSecond`, read on each presence change. */
			presenceRate?: () => number;
			/** Delivers a push to a key to this process's connections with that key. */
			pushLocally: (routeId: string, key: string, name: string, payload: unknown) => void;
			/** Sends a volatile event to this process's members of a room. */
			sendVolatile: (key: string, name: string, payload: unknown, latest: string) => void;
			/** The server's log lines (its `logger`). */
			log?: LogLine;
		}
	) {
		this.link = new RedisLink(parts.log);
		this.#redis = redis;
		this.#subscriber = redis.duplicate();
		this.link.watch(redis);
		this.link.watch(this.#subscriber);
		this.#writer = new RedisWriter(redis, this.processId, parts.settings, parts.log);
		const writer = this.#writer;
		this.presences = new RoomPresences(io, this.processId, {
			tracked: (room, connection, id, entry) => writer.track(room, connection, JSON.stringify([id, entry])),
			untracked: (room, connection) => writer.untrack(room, connection)
		}, parts.presenceRate);
		// Never rejects: a subscriber that could not connect yet is retried by node-redis, and
		// every subscription is made again at its 'ready'.
		const log = parts.log ?? consoleLine;
		const connected = this.#subscriber.connect().catch((problem: unknown) => log('error', { reason: 'redis-subscribe', err: problem }, 'could not connect to Redis for room events'));
		this.logs = new RedisRoomLogs({
			redis,
			subscriber: this.#subscriber,
			connected,
			writer,
			link: this.link,
			io,
			presences: this.presences,
			settings: parts.settings(),
			deliver: parts.deliver,
			hasMembers: parts.hasMembers
		});
		// Redis may have come back empty: this process's presence entries are written again
		// (the others see no change when Redis still had them).
		this.link.onReconnect((client) => {
			if (client !== redis) return;
			for (const [room, connection, id, entry] of this.presences.ownEntries()) writer.track(room, connection, JSON.stringify([id, entry]));
		});
		io.of('/').adapter.on('delete-room', (key: unknown) => {
			if (typeof key === 'string') this.logs.unfollowIfEmpty(key);
		});
		this.#refresher = setInterval(() => this.#refreshPresence(), PRESENCE_TTL_MS / 3);
		this.#refresher.unref();
		// Revocations made on the other processes: this one ends its own matching connections.
		const onRevoked = this.#fromOthers('a revocation', (keys) => {
			if (Array.isArray(keys) && keys.every(isKey)) revokedElsewhere(keys);
		});
		// Pushes to a key made on the other processes: delivered to this one's connections.
		const onPushed = this.#fromOthers('a push', (message) => {
			const [routeId, key, name, payload] = message as unknown[];
			if (typeof routeId === 'string' && isKey(key) && typeof name === 'string') parts.pushLocally(routeId, key, name, payload);
		});
		// Volatile events emitted on the other processes: sent to this one's members.
		const onVolatile = this.#fromOthers('a volatile event', (message) => {
			const [key, name, payload, latest] = message as unknown[];
			if (typeof key === 'string' && typeof name === 'string' && typeof latest === 'string') parts.sendVolatile(key, name, payload, latest);
		});
		// A subscription sent just as the connection dropped is not renewed by node-redis:
		// made again after each reconnect until it holds.
		const heard = new Set<string>();
		const hear = () => {
			for (const [channel, listener] of [
				[REVOKE_CHANNEL, onRevoked],
				[PUSH_CHANNEL, onPushed],
				[VOLATILE_CHANNEL, onVolatile]
			] as const) {
				if (!heard.has(channel)) this.#subscriber.subscribe(channel, listener).then(() => heard.add(channel), ignore);
			}
		};
		connected.then(hear, ignore);
		this.link.onReconnect((client) => {
			if (client === this.#subscriber) hear();
		});
	}

	/**
	 * A listener of one channel the processes tell each other on (`<process id> <JSON>`): it
	 * skips this process's own messages (handled here already) and hands the others' parsed
	 * JSON to `use`; one that cannot be read is logged, never thrown into node-redis.
	 */
	#fromOthers(what: string, use: (message: unknown) => void): (message: string) => void {
		return (message) => {
			const space = message.indexOf(' ');
			if (message.slice(0, space) === this.processId) return;
			try {
				use(JSON.parse(message.slice(space + 1)) as unknown);
			} catch (problem) {
				console.error(`[liverpc] ${what} from Redis could not be read:`, problem);
			}
		};
	}

	/** Tells the other processes to end their connections with one of `keys`. */
	revoke(keys: readonly string[]): void {
		this.#writer.broadcast(REVOKE_CHANNEL, `${this.processId} ${JSON.stringify(keys)}`);
	}

	/** Tells the other processes to deliver an event to their connections with `key`. */
	push(routeId: string, key: string, name: string, payload: unknown): void {
		this.#writer.broadcast(PUSH_CHANNEL, `${this.processId} ${JSON.stringify([routeId, key, name, payload])}`);
	}

	/**
	 * Tells the other processes about a volatile event, at once and outside the writer's
	 * queue and the room's stream: nothing keeps it, and while Redis is away it is dropped
	 * rather than sent late.
	 */
	volatile(key: string, name: string, payload: unknown, latest: string): void {
		if (!this.link.up) return;
		this.#redis.sendCommand(['PUBLISH', VOLATILE_CHANNEL, `${this.processId} ${JSON.stringify([key, name, payload, latest])}`]).catch(ignore);
	}

	/** Whether every event and presence change of this process has reached Redis. */
	get flushed(): boolean {
		return this.#writer.idle;
	}

	/** Stops following rooms; what is still waiting for Redis is dropped. */
	async stop(): Promise<void> {
		clearInterval(this.#refresher);
		this.#writer.stop();
		this.logs.stop();
		this.link.stop();
		const subscriber = this.#subscriber;
		await Promise.resolve(subscriber.close?.() ?? subscriber.quit?.()).catch(ignore);
	}

	/**
	 * Keeps this process's presence entries alive in Redis and drops those of processes that
	 * stopped refreshing theirs (a crash, a long outage), in the rooms this process has
	 * entries in. Nothing here while Redis is away: the next round does it.
	 */
	#refreshPresence(): void {
		if (!this.link.up) return;
		const byRoom = new Map<string, string[]>();
		for (const [room, connection] of this.presences.ownEntries()) {
			const connections = byRoom.get(room);
			if (connections) connections.push(connection);
			else byRoom.set(room, [connection]);
		}
		const now = Date.now();
		for (const [room, connections] of byRoom) {
			const keys = roomKeys(room);
			REFRESH.run(this.#redis, [keys.presence, keys.expiry], [keys.channel, String(now), String(now + PRESENCE_TTL_MS), String(24 * 60 * 60 * 1000), ...connections]).catch(ignore);
		}
	}
}
