import type { LiveLogger } from '../telemetry/live-logger.js';
import { isRedisClient, loadStreamsAdapter, type RedisClient } from './redis-client.js';

/**
 * LiveRPC's one configuration surface: what may connect (origins, proxy headers) and how
 * much one connection may ask for (limits). The same object configures `vite dev` and
 * `node build` (exported as `options` from `src/hooks.socket.ts`) and a custom server
 * (passed to `attach()`), so a setting behaves the same everywhere.
 *
 * @example
 * ```ts
 * // src/hooks.socket.ts
 * import type { LiveOptions } from 'liverpc/server';
 * export const options: LiveOptions = {
 *   allowedOrigins: ['https://admin.example.com'],
 *   limits: { callsPerSecond: 20, maxRooms: 10 }
 * };
 * ```
 */
export interface LiveOptions {
	/**
	 * The app's public origin, e.g. `https://chat.example.com`: pages on it may connect, and
	 * the hook's `url` uses it. `node build` takes it from `ORIGIN` on SvelteKit 2
	 * (adapter-node 5), and from `paths.origin`, fixed at build time, on SvelteKit 3
	 * (adapter-node 6). Without it, the request's own host is the app's origin.
	 */
	origin?: string;
	/** More origins whose pages may connect, e.g. an admin app on another subdomain. */
	allowedOrigins?: string[];
	/**
	 * Whether a handshake without an `Origin` header may connect. Default `true`: browsers
	 * always send `Origin` on WebSocket handshakes and cross-origin requests, so an attacking
	 * page cannot leave it out, while Node scripts and native apps usually send none.
	 */
	allowMissingOrigin?: boolean;
	/** Headers set by a trusted reverse proxy, as adapter-node reads them; `node build` takes them from its env. */
	proxy?: ProxyHeaders;
	/** How much one connection, one address, one user and the process may ask for; each has a default (see {@link LiveLimits}). */
	limits?: Partial<LiveLimits>;
	/**
	 * The per-room buffer members resume from after a short disconnect: the last `size`
	 * events of each room (default 100), each for `age` ms (default 60,000). Gaps it cannot
	 * fill are filled by an event's `history`, or the page sees `room.resumed === false`.
	 */
	buffer?: Partial<BufferSettings>;
	/**
	 * For scale-out: a connected node-redis client (`createClient` from `redis` 5 or 6), so that
	 * several processes serve one app. Redis then holds each room's order and recent events,
	 * its presence, and carries revocations; every process delivers a room's events in the
	 * same order, and a member resumes on any process. Redis away for any length of time
	 * stops no process (see the scale-out guide). Needs `@socket.io/redis-streams-adapter`
	 * installed too. Without it, nothing needs anything but this process.
	 *
	 * @example
	 * ```ts
	 * import { createClient } from 'redis';
	 * const redis = createClient({ url: process.env.REDIS_URL });
	 * await redis.connect();
	 * export const options: LiveOptions = { redis };
	 * ```
	 */
	redis?: RedisClient;
	/**
	 * The keys of a connection, from the `locals` its socket hook returned, when the hook does
	 * not return `keys` itself: what `revoke(key)` ends, on every process, and what a call's
	 * memory is bound to. Keeps the hook as it is.
	 *
	 * @example
	 * ```ts
	 * export const options: LiveOptions = { keys: (locals) => (locals.user ? [`user:${locals.user.id}`] : []) };
	 * // on logout:
	 * await revoke(`user:${userId}`);
	 * ```
	 */
	keys?: (locals: App.SocketLocals) => string[];
	/**
	 * How long, in ms, a connection's `locals` hold at most: then the socket hook runs again on
	 * the open connection with the handshake's cookies (sooner when the hook returns
	 * `expires`), so a session deleted or expired on the server stops acting within this
	 * bound even without `revoke()`. Default 300,000 (5 minutes); `Infinity` leaves only the
	 * hook's `expires`.
	 *
	 * @example
	 * ```ts
	 * export const options: LiveOptions = { localsMaxAge: 60_000 }; // sessions checked again every minute
	 * ```
	 */
	localsMaxAge?: number;
	/**
	 * Where LiveRPC writes its log lines (refused handshakes, limits hit, unexpected errors with
	 * their error id, Redis lost and back, shutdown): any object with `info`, `warn` and
	 * `error` taking `(fields, message)`, as pino's does. Default: the console.
	 *
	 * @example
	 * ```ts
	 * import pino from 'pino';
	 * export const options: LiveOptions = { logger: pino({ name: 'liverpc' }) };
	 * ```
	 */
	logger?: LiveLogger;
}

/** The default of {@link LiveOptions.localsMaxAge}: 5 minutes. */
export const DEFAULT_LOCALS_MAX_AGE = 300_000;

/** How much of a room's recent past a server keeps for members that reconnect. */
export interface BufferSettings {
	/** Events kept per room; 0 keeps none (every gap is then filled by `history` or reported). */
	size: number;
	/** Milliseconds an event is kept, and a log without members outlives its last activity. */
	age: number;
}

/** The defaults of {@link LiveOptions.buffer}, written out in `docs/api.md`. */
export const DEFAULT_BUFFER: Readonly<BufferSettings> = Object.freeze({ size: 100, age: 60_000 });

/**
 * Reverse-proxy headers, named as adapter-node's environment variables: `PROTOCOL_HEADER`,
 * `HOST_HEADER`, `PORT_HEADER`, `ADDRESS_HEADER` and `XFF_DEPTH`.
 *
 * @example
 * ```ts
 * const proxy: ProxyHeaders = { protocolHeader: 'x-forwarded-proto', hostHeader: 'x-forwarded-host', addressHeader: 'x-forwarded-for', xffDepth: 1 };
 * ```
 */
export interface ProxyHeaders {
	/** Header holding the scheme the browser used (`x-forwarded-proto`). */
	protocolHeader?: string;
	/** Header holding the host the browser used (`x-forwarded-host`). */
	hostHeader?: string;
	/** Header holding the port the browser used (`x-forwarded-port`). */
	portHeader?: string;
	/** Header holding the client's address (`x-forwarded-for`, `x-real-ip`) for `getClientAddress()`. */
	addressHeader?: string;
	/** With `x-forwarded-for`: how many proxies you trust; the address is that many from the right. Default 1. */
	xffDepth?: number;
}

/**
 * Per-connection limits, and those shared by the connections of one client address or one
 * user and by the whole process. Every one can be raised, or set to `Infinity` to turn it off.
 *
 * @example
 * ```ts
 * const limits: Partial<LiveLimits> = { maxMessageBytes: 1_000_000, callsPerSecond: 200, callBurst: 400 };
 * // A kiosk network where 5,000 browsers share one address:
 * const kiosk: Partial<LiveLimits> = { maxConnectionsPerAddress: 6_000, handshakeBurstPerAddress: 6_000 };
 * ```
 */
export interface LiveLimits {
	/** Largest message a client may send, in bytes. Over it the connection is closed. Default 65,536. */
	maxMessageBytes: number;
	/** Calls per second a connection may make on average; over it a call gets 429. Default 50. */
	callsPerSecond: number;
	/** Calls a connection may make at once before `callsPerSecond` applies. Default 100. */
	callBurst: number;
	/** Calls of one connection still running; one more gets 429. Default 100, so a whole burst can be in flight. */
	maxCallsInFlight: number;
	/** Joins (and re-joins) per second a connection may attempt on average; over it a join gets 429. Default 10. */
	joinsPerSecond: number;
	/** Joins a connection may attempt at once, e.g. re-joining every room after a reconnect. Default 50. */
	joinBurst: number;
	/** Rooms one connection may be a member of at the same time; one more gets 429. Default 50. */
	maxRooms: number;
	/**
	 * Events one join delivers at most (the buffer's and `history`'s together), whatever its
	 * `resume` asks for: past it the member gets the newest that fit and `room.resumed ===
	 * false`. Also handed to `history` as `limit`, so the store reads no more. Default 500.
	 */
	maxJoinEvents: number;
	/**
	 * Bytes of events one join delivers at most (their JSON), with the same effect as
	 * `maxJoinEvents`: a join costs the server a bounded amount of work. Default 1,048,576 (1 MiB).
	 */
	maxJoinBytes: number;
	/**
	 * Bytes the server may hold for one connection that it has not yet sent (a client that
	 * stops reading): past it the connection is closed, and the client reconnects and
	 * resumes from its position. Default 4,194,304 (4 MiB).
	 */
	maxBufferedBytes: number;
	/** Leaves per second a connection may send on average; one over it is dropped and counts as refused. Default 10. */
	leavesPerSecond: number;
	/** Leaves a connection may send at once, e.g. a page closing all its rooms. Default 50. */
	leaveBurst: number;
	/**
	 * Largest handshake `auth` (the CONNECT packet's data) in bytes: a larger one is refused
	 * with 413 before it is parsed. LiveRPC's client sends under 100. Default 4,096.
	 */
	maxAuthBytes: number;
	/**
	 * PRESENCE packets a member receives per room per second, at most: the changes of each
	 * `1000 / presenceUpdatesPerSecond` ms window go as one packet with their net effect, so
	 * join/leave churn costs the members little. `Infinity` sends every change at once.
	 * Default 20 (a window of 50 ms).
	 */
	presenceUpdatesPerSecond: number;
	/**
	 * Volatile events (`event({ volatile })`) one member's joins and calls may emit per
	 * second (a burst of as many). Past it they are coalesced, not refused: the latest per
	 * key waits and goes out when the rate allows, older ones are dropped; the caller sees no
	 * error. Default 20.
	 */
	volatilePerSecond: number;
	// Limits beyond one connection: what 40 fresh connections of one client may do
	// together, and what the whole process accepts. See address-admission.ts and shared-budgets.ts.
	/**
	 * New connections (Engine.IO handshakes) per second one client address may open on
	 * average, the address as `getClientAddress()` gives it (proxy headers included); over
	 * it the handshake gets HTTP 429 and the client retries with backoff. Default 20.
	 */
	handshakesPerSecondPerAddress: number;
	/**
	 * Handshakes one address may make at once before `handshakesPerSecondPerAddress`
	 * applies. Default 1,000: an office of 200 people behind one NAT, a few tabs each, all
	 * reconnecting after a deploy.
	 */
	handshakeBurstPerAddress: number;
	/** Connections one address may hold open; one more gets HTTP 429. Default 2,000. */
	maxConnectionsPerAddress: number;
	/**
	 * Calls per second one user may make across all its connections: the user is the first
	 * of the hook's `keys`, or, without keys, the client address. Over it a call gets 429.
	 * Default 200.
	 */
	callsPerSecondPerUser: number;
	/** Calls one user may make at once across its connections. Default 400. */
	callBurstPerUser: number;
	/** Joins per second one user (as for `callsPerSecondPerUser`) may attempt across its connections. Default 40. */
	joinsPerSecondPerUser: number;
	/** Joins one user may attempt at once across its connections. Default 200. */
	joinBurstPerUser: number;
	/**
	 * Handshakes per second the whole process accepts (the burst is as large); over it a
	 * handshake gets HTTP 429. Default 1,000.
	 */
	handshakesPerSecond: number;
	/**
	 * Connections the whole process holds open; one more gets HTTP 429. Default 10,000:
	 * each costs an open file, and the process needs files for its own work too; raise it
	 * together with the process's open-file limit (`ulimit -n`).
	 */
	maxConnections: number;
	/**
	 * Bytes of answers remembered for calls sent again after a reconnect, in the whole
	 * process (each answer counted as its JSON size plus 128 bytes). Past it the oldest
	 * answers are forgotten: a copy of such a call then runs again. Default 64 MiB.
	 */
	maxCallMemoryBytes: number;
	/** The same, for one user (as for `callsPerSecondPerUser`) over all its clients. Default 1 MiB. */
	maxCallMemoryBytesPerUser: number;
}

/** The defaults, written out in `docs/security.md`. */
export const DEFAULT_LIMITS: Readonly<LiveLimits> = Object.freeze({
	maxMessageBytes: 65_536,
	callsPerSecond: 50,
	callBurst: 100,
	maxCallsInFlight: 100,
	joinsPerSecond: 10,
	joinBurst: 50,
	maxRooms: 50,
	// What one join delivers, what a slow reader may hold, how fast leaves may come, how big an auth may be.
	maxJoinEvents: 500,
	maxJoinBytes: 1_048_576,
	maxBufferedBytes: 4_194_304,
	leavesPerSecond: 10,
	leaveBurst: 50,
	maxAuthBytes: 4096,
	presenceUpdatesPerSecond: 20,
	volatilePerSecond: 20,
	handshakesPerSecondPerAddress: 20,
	handshakeBurstPerAddress: 1_000,
	maxConnectionsPerAddress: 2_000,
	callsPerSecondPerUser: 200,
	callBurstPerUser: 400,
	joinsPerSecondPerUser: 40,
	joinBurstPerUser: 200,
	handshakesPerSecond: 1_000,
	maxConnections: 10_000,
	maxCallMemoryBytes: 64 * 1024 * 1024,
	maxCallMemoryBytesPerUser: 1024 * 1024
});

/** Options checked once and in the shape the hot paths read. */
export interface ResolvedOptions {
	/** `scheme://host[:port]` of the app, when configured. */
	origin: string | undefined;
	/** Origins allowed besides the app's own, normalised. */
	allowedOrigins: ReadonlySet<string>;
	allowMissingOrigin: boolean;
	proxy: ResolvedProxy;
	limits: Readonly<LiveLimits>;
	buffer: Readonly<BufferSettings>;
	/** The Redis client of a scaled-out app, or undefined for one process. */
	redis: RedisClient | undefined;
	keys: ((locals: App.SocketLocals) => string[]) | undefined;
	/** Ms a connection's locals hold at most before the hook runs again; Infinity: only `expires`. */
	localsMaxAge: number;
	/** The app's logger, or undefined for the console. */
	logger: LiveLogger | undefined;
}

/**
 * Where a running server keeps its options: read on every use, so the dev server can
 * replace them when `hooks.socket.ts` is edited.
 */
export interface LiveSettings {
	options: ResolvedOptions;
}

export interface ResolvedProxy {
	protocolHeader: string | undefined;
	hostHeader: string | undefined;
	portHeader: string | undefined;
	addressHeader: string | undefined;
	xffDepth: number;
}

/**
 * Checks options and fills in defaults. Throws a `TypeError` naming the option at fault,
 * so a typo stops `node build` at startup rather than weakening a limit silently.
 */
export function resolveOptions(options: LiveOptions | undefined): ResolvedOptions {
	const given = options ?? {};
	if (typeof given !== 'object') throw new TypeError('LiveRPC options must be an object');
	if ('adapter' in given) {
		throw new TypeError("The adapter option is gone: pass your node-redis client as `redis` (LiveRPC makes the Socket.IO adapter from it), e.g. { redis: createClient({ url }) }");
	}
	for (const key of Object.keys(given)) {
		if (!OPTION_KEYS.has(key)) throw new TypeError(`Unknown LiveRPC option '${key}' (known: ${[...OPTION_KEYS].join(', ')})`);
	}
	const origin = given.origin === undefined || given.origin === '' ? undefined : normaliseOrigin(given.origin, 'origin');
	const allowed = new Set<string>();
	if (given.allowedOrigins !== undefined) {
		if (!Array.isArray(given.allowedOrigins)) throw new TypeError('allowedOrigins must be an array of origins');
		for (const entry of given.allowedOrigins) allowed.add(normaliseOrigin(entry, 'allowedOrigins'));
	}
	if (given.allowMissingOrigin !== undefined && typeof given.allowMissingOrigin !== 'boolean') {
		throw new TypeError('allowMissingOrigin must be true or false');
	}
	if (given.keys !== undefined && typeof given.keys !== 'function') {
		throw new TypeError('keys must be a function of locals, e.g. (locals) => (locals.user ? [`user:${locals.user.id}`] : [])');
	}
	const localsMaxAge = given.localsMaxAge ?? DEFAULT_LOCALS_MAX_AGE;
	// A connection re-checked every few ms would spend the process on its hook: 1 s at least.
	if (typeof localsMaxAge !== 'number' || Number.isNaN(localsMaxAge) || localsMaxAge < 1_000) {
		throw new TypeError('localsMaxAge must be a number of ms of at least 1000, or Infinity (default 300000, 5 minutes)');
	}
	if (given.redis !== undefined && !isRedisClient(given.redis)) {
		throw new TypeError("redis must be a node-redis client, e.g. createClient({ url: process.env.REDIS_URL }) from 'redis'");
	}
	if (given.redis !== undefined) loadStreamsAdapter();
	const logger = given.logger;
	if (logger !== undefined && (typeof logger !== 'object' || logger === null || !(['info', 'warn', 'error'] as const).every((level) => typeof logger[level] === 'function'))) {
		throw new TypeError('logger must have info, warn and error methods taking (fields, message), e.g. pino()');
	}
	return {
		origin,
		allowedOrigins: allowed,
		allowMissingOrigin: given.allowMissingOrigin ?? true,
		proxy: resolveProxy(given.proxy),
		limits: resolveNumbers(given.limits, DEFAULT_LIMITS, LIMITS_RULE),
		buffer: resolveNumbers(given.buffer, DEFAULT_BUFFER, BUFFER_RULE),
		redis: given.redis,
		keys: given.keys,
		localsMaxAge,
		logger
	};
}

const OPTION_KEYS = new Set(['origin', 'allowedOrigins', 'allowMissingOrigin', 'proxy', 'limits', 'buffer', 'redis', 'keys', 'localsMaxAge', 'logger']);

/** How one record of numbers (`limits`, `buffer`) is checked, and what its errors say. */
interface NumberRecordRule {
	option: string;
	/** What one entry is called in "Unknown … 'x'". */
	entry: string;
	/** What the whole option must be. */
	shape: string;
	valid(value: unknown): boolean;
	/** What each value must be. */
	expected: string;
}

const LIMITS_RULE: NumberRecordRule = {
	option: 'limits',
	entry: 'limit',
	shape: 'an object',
	valid: (value) => typeof value === 'number' && !Number.isNaN(value) && value >= 1,
	expected: 'a number of at least 1, or Infinity'
};

const BUFFER_RULE: NumberRecordRule = {
	option: 'buffer',
	entry: 'buffer setting',
	shape: 'an object: { size, age }',
	valid: (value) => Number.isInteger(value) && (value as number) >= 0,
	expected: 'a whole number of at least 0'
};

/**
 * The defaults with the given values over them, frozen; a key the defaults lack or a value
 * the rule refuses throws, so a typo in a limit cannot leave it at a weaker default.
 */
function resolveNumbers<T extends object>(given: Partial<T> | undefined, defaults: Readonly<T>, rule: NumberRecordRule): Readonly<T> {
	if (given === undefined) return defaults;
	if (typeof given !== 'object' || given === null) throw new TypeError(`${rule.option} must be ${rule.shape}`);
	const resolved: Record<string, unknown> = { ...defaults };
	for (const [key, value] of Object.entries(given)) {
		if (!Object.hasOwn(defaults, key)) throw new TypeError(`Unknown ${rule.entry} '${key}' (known: ${Object.keys(defaults).join(', ')})`);
		if (value === undefined) continue;
		if (!rule.valid(value)) throw new TypeError(`${rule.option}.${key} must be ${rule.expected}`);
		resolved[key] = value;
	}
	return Object.freeze(resolved) as Readonly<T>;
}

function normaliseOrigin(value: unknown, option: string): string {
	let url: URL | undefined;
	try {
		url = typeof value === 'string' ? new URL(value) : undefined;
	} catch {
		url = undefined;
	}
	if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.origin === 'null') {
		throw new TypeError(`${option}: ${JSON.stringify(value)} is not an origin like 'https://chat.example.com'`);
	}
	return url.origin;
}

function resolveProxy(proxy: ProxyHeaders | undefined): ResolvedProxy {
	const given = proxy ?? {};
	const header = (name: keyof ProxyHeaders) => {
		const value = given[name];
		if (value === undefined || value === '') return undefined;
		if (typeof value !== 'string') throw new TypeError(`proxy.${name} must be a header name`);
		return value.toLowerCase();
	};
	const xffDepth = given.xffDepth ?? 1;
	if (!Number.isInteger(xffDepth) || xffDepth < 1) throw new TypeError('proxy.xffDepth must be a positive integer');
	return {
		protocolHeader: header('protocolHeader'),
		hostHeader: header('hostHeader'),
		portHeader: header('portHeader'),
		addressHeader: header('addressHeader'),
		xffDepth
	};
}

/**
 * Fills options from adapter-node's environment variables: `ORIGIN`, `PROTOCOL_HEADER`,
 * `HOST_HEADER`, `PORT_HEADER`, `ADDRESS_HEADER` and `XFF_DEPTH`. A variable that is set
 * wins over the same option in code, since the environment is where a deployment says
 * where it runs. `node build` does this by itself; a custom server calls it.
 *
 * @example
 * ```js
 * // server.js, a custom server
 * const { options } = await loadSockets();
 * attach(server, optionsFromEnv(options));
 * ```
 * @param env how to read a variable; default `process.env` (`node build` passes adapter-node's, which applies its `envPrefix`)
 */
export function optionsFromEnv<Options extends LiveOptions>(
	options: Options,
	env: (name: string) => string | undefined = (name) => process.env[name]
): Options {
	const read = (name: string) => {
		const value = env(name);
		return value === undefined || value === '' ? undefined : value;
	};
	const proxy: ProxyHeaders = { ...options.proxy };
	const headers = { protocolHeader: 'PROTOCOL_HEADER', hostHeader: 'HOST_HEADER', portHeader: 'PORT_HEADER', addressHeader: 'ADDRESS_HEADER' } as const;
	for (const [option, name] of Object.entries(headers)) {
		const value = read(name);
		if (value !== undefined) proxy[option as keyof typeof headers] = value;
	}
	const depth = read('XFF_DEPTH');
	if (depth !== undefined) proxy.xffDepth = Number(depth);
	return { ...options, origin: read('ORIGIN') ?? options.origin, proxy };
}
