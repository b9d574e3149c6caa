import { createRequire } from 'node:module';
import type { ServerOptions } from 'socket.io';

// What LiveRPC needs of the app's Redis client when it is scaled out: node-redis 5 or 6
// (`createClient` from 'redis'). Typed by shape, so the package does not depend on
// node-redis's own types and a client of another version that has these methods works too.

/** A message listener of node-redis's `subscribe()`: the message, then its channel. */
export type RedisMessageListener = (message: string, channel: string) => void;

/**
 * The part of a node-redis client LiveRPC uses: raw commands (its scripts), a duplicate
 * for subscriptions, and the connection events that say when Redis is lost and back.
 *
 * @example
 * ```ts
 * import { createClient } from 'redis';
 * const redis: RedisClient = createClient({ url: process.env.REDIS_URL });
 * ```
 */
export interface RedisClient {
	readonly isOpen: boolean;
	readonly isReady: boolean;
	connect(): Promise<unknown>;
	sendCommand(args: ReadonlyArray<string>): Promise<unknown>;
	duplicate(): RedisClient;
	subscribe(channels: string | string[], listener: RedisMessageListener): Promise<unknown>;
	unsubscribe(channels?: string | string[], listener?: RedisMessageListener): Promise<unknown>;
	on(event: 'error', listener: (problem: Error) => void): unknown;
	on(event: 'ready' | 'end' | 'reconnecting', listener: () => void): unknown;
	off?(event: string, listener: (...args: any[]) => void): unknown;
	close?(): Promise<unknown>;
	quit?(): Promise<unknown>;
}

/** Whether a value looks like a node-redis client, for a clear error on a wrong option. */
export function isRedisClient(value: unknown): value is RedisClient {
	if (typeof value !== 'object' || value === null) return false;
	const client = value as Partial<RedisClient>;
	return (
		typeof client.sendCommand === 'function' &&
		typeof client.duplicate === 'function' &&
		typeof client.subscribe === 'function' &&
		typeof client.on === 'function'
	);
}

/** What LiveRPC uses of `@socket.io/redis-streams-adapter`. */
export interface StreamsAdapterPackage {
	createAdapter(client: unknown, options?: object): NonNullable<ServerOptions['adapter']>;
}

/**
 * Loads `@socket.io/redis-streams-adapter`, which scale-out makes its Socket.IO adapter
 * from. Checked when the options are read, so a missing install stops the server at
 * startup with the command that fixes it, not at its first connection.
 */
export function loadStreamsAdapter(): StreamsAdapterPackage {
	try {
		return createRequire(import.meta.url)('@socket.io/redis-streams-adapter') as StreamsAdapterPackage;
	} catch {
		throw new Error('LiveRPC scales out with @socket.io/redis-streams-adapter: npm install @socket.io/redis-streams-adapter');
	}
}
