import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { LiveClient } from '../client/live-client.js';
import { LiveError } from '../client/live-error.js';
import type { MakeState } from '../client/reactive-state.js';
import type { ContractModuleCheck, EventNames, EventPayloadOf, LiveParams, Room } from '../client/room-types.js';
import type { WireValue } from '../client/wire-value.js';
import { attach } from '../server/attach.js';
import type { ContractModule } from '../server/contract/contract-registry.js';
import type { LiveOptions } from '../server/options/live-options.js';
import type { LiveServer } from '../server/live-server.js';
import type { SocketHook } from '../server/gate/socket-hook.js';
import type { HandleSocketError } from '../server/contract/types.js';
import { contractIdentityOf } from '../shared/contract-marker.js';
import { memoryAgent } from './memory-connection.js';

// `liverpc/testing`: the app's contracts and hooks on a real LiveRPC server
// inside the test's own process, reached over in-memory connections (memory-connection.ts),
// with a typed client. Phoenix's ChannelTest is the model: join, call, assert on pushes.

/** What `src/hooks.socket.ts` exports, as far as a test server uses it. */
export interface SocketHooksModule {
	handle?: SocketHook;
	handleError?: HandleSocketError;
	options?: LiveOptions;
}

/**
 * Options of {@link createTestServer}.
 *
 * @example
 * ```ts
 * const options: TestServerOptions = { contracts: [chat], hooks: await import('../src/hooks.socket') };
 * ```
 */
export interface TestServerOptions {
	/**
	 * The room contracts to serve: modules imported under Vitest with the app's Vite config
	 * (the `liverpc()` plugin gives each its route id), or `{ 'rooms/[roomId]/chat': module }`.
	 */
	contracts: ContractModule[] | Record<string, ContractModule>;
	/**
	 * The app's `hooks.socket.ts` module: its `handle` turns the cookies a test connects with
	 * into `locals`, its `handleError` and `options` apply as in `node build`.
	 */
	hooks?: SocketHooksModule;
}

/**
 * Who a test client connects as: chosen `locals` (the socket hook is skipped), or cookies
 * and headers for the app's real socket hook.
 *
 * @example
 * ```ts
 * server.connect({ locals: { user: { id: 'u1', tenantId: 't1' } } });
 * server.connect({ cookies: { session: await signIn('alice') } });
 * ```
 */
export interface TestConnection {
	locals?: App.SocketLocals;
	cookies?: Record<string, string>;
	headers?: Record<string, string>;
}

/**
 * A joined room of a test client: the page's room handle (typed calls, `joined`, `status`,
 * `error`), plus every event it received, in order.
 *
 * @example
 * ```ts
 * const room = await alice.join(chat, { roomId: 'acme-general' });
 * await room.send({ text: 'hi' });
 * expect((await room.next('message')).text).toBe('hi');
 * ```
 */
export type TestRoom<M> = Room<M> & {
	/** Every payload of event `name` this room received, the join's history first, oldest first. */
	received<E extends EventNames<M>>(name: E): Array<WireValue<EventPayloadOf<M, E>>>;
	/**
	 * The first payload of event `name` received after the join (not its history) and not yet
	 * taken by `next`, waiting for it when there is none: so `await room.send(…)` then
	 * `await room.next('message')` sees the event even though it arrived before the reply.
	 */
	next<E extends EventNames<M>>(name: E, options?: { timeout?: number }): Promise<WireValue<EventPayloadOf<M, E>>>;
};

/**
 * A client connected to a test server, as one browser tab.
 *
 * @example
 * ```ts
 * const alice = server.connect({ locals: { user: alice } });
 * const refused = await alice.join(chat, { roomId: 'globex-general' }).catch((error) => error);
 * expect(refused.status).toBe(403);
 * ```
 */
export interface TestClient {
	/** The connection's status (`connected`, or `rejected` when the socket hook refused it). */
	readonly status: LiveClient['status'];
	/** Why the socket hook refused the connection. */
	readonly error: LiveClient['error'];
	/**
	 * Joins a room and resolves once joined; rejects with a `LiveError` (`status`, `message`)
	 * when the join guard or the socket hook refuses.
	 */
	join<M extends object>(contract: M & NoInfer<ContractModuleCheck<M>>, ...params: LiveParams<M>): Promise<TestRoom<M>>;
	/** Closes the connection. */
	close(): void;
}

/**
 * A LiveRPC server for tests; see {@link createTestServer}.
 *
 * @example
 * ```ts
 * const server = createTestServer({ contracts: [chat] });
 * afterAll(() => server.close());
 * ```
 */
export interface TestServer {
	/** A new connection, as a new tab: with chosen `locals`, or through the app's socket hook. */
	connect(as?: TestConnection): TestClient;
	/** Closes every connection and the server. */
	close(): Promise<void>;
	/** The LiveRPC server itself (its Socket.IO server is `server.io`). */
	readonly server: LiveServer;
}

// Test clients connecting with chosen locals name them with this handshake header; only a
// test server reads it.
const LOCALS_HEADER = 'x-liverpc-test-locals';
const DEFAULT_WAIT = 5000;

/**
 * Runs room contracts in the test's own process, on a real LiveRPC server reached over
 * in-memory connections: no port, no browser, no `vite dev`. Joins, calls, validation, errors,
 * the socket hook and `message.to(params).emit()` from the code under test all run as in
 * `node build`.
 *
 * @example
 * ```ts
 * import { createTestServer } from 'liverpc/testing';
 * import * as chat from './chat.socket';
 *
 * const server = createTestServer({ contracts: [chat] });
 * const alice = server.connect({ locals: { user: { id: 'alice', tenantId: 'acme' } } });
 * const room = await alice.join(chat, { roomId: 'acme-general' });
 * await room.send({ text: 'hello' });
 * expect((await room.next('message')).text).toBe('hello');
 * await server.close();
 * ```
 */
export function createTestServer(options: TestServerOptions): TestServer {
	const contracts = contractsByRoute(options.contracts);
	const chosenLocals = new Map<string, App.SocketLocals>();
	const appHook = options.hooks?.handle;
	const handle: SocketHook = (input) => {
		const token = input.request.headers.get(LOCALS_HEADER);
		if (token !== null) {
			const locals = chosenLocals.get(token);
			if (locals) return { locals };
		}
		return appHook ? appHook(input) : { locals: {} };
	};

	const httpServer = http.createServer();
	const server = attach(httpServer, {
		...options.hooks?.options,
		handle,
		handleError: options.hooks?.handleError,
		contracts
	});
	const agent = memoryAgent(httpServer);
	const clients = new Set<LiveClient>();

	return {
		server,
		connect(as = {}) {
			const headers: Record<string, string> = { ...as.headers };
			if (as.cookies) {
				headers.cookie = Object.entries(as.cookies)
					.map(([name, value]) => `${name}=${encodeURIComponent(value)}`)
					.join('; ');
			}
			if (as.locals) {
				const token = randomUUID();
				chosenLocals.set(token, as.locals);
				headers[LOCALS_HEADER] = token;
			}
			const changed = new Set<() => void>();
			const watched: MakeState = (initial) =>
				new Proxy(initial, {
					set(target, key, value) {
						Reflect.set(target, key, value);
						for (const listener of [...changed]) listener();
						return true;
					}
				});
			const client = new LiveClient(
				{
					url: 'http://liverpc.test',
					headers,
					backoff: { base: 10, max: 50 },
					socket: { transports: ['websocket'], agent, reconnectionDelay: 10, reconnectionDelayMax: 50 } as never
				},
				watched
			);
			clients.add(client);
			return {
				get status() {
					return client.status;
				},
				get error() {
					return client.error;
				},
				join<M extends object>(contract: M & NoInfer<ContractModuleCheck<M>>, ...params: LiveParams<M>) {
					const room = client.live<M>(contract, ...params);
					const events = Object.entries(contract).filter(([, value]) => contractIdentityOf(value)?.kind === 'event');
					return joined<M>(room, events.map(([name]) => name), changed);
				},
				close() {
					clients.delete(client);
					client.close();
				}
			} satisfies TestClient;
		},
		async close() {
			for (const client of clients) client.close();
			clients.clear();
			await server.close();
		}
	};
}

function contractsByRoute(given: TestServerOptions['contracts']): Record<string, ContractModule> {
	if (!Array.isArray(given)) return given;
	const byRoute: Record<string, ContractModule> = {};
	for (const module of given) {
		const route = Object.values(module)
			.map((value) => contractIdentityOf(value)?.route)
			.find((id) => id !== undefined);
		if (route === undefined) {
			throw new TypeError(
				"createTestServer(): a contract module without its route id. Run the test under Vitest with the app's Vite config (liverpc() gives each .socket.ts file its route id), or pass { 'rooms/[roomId]/chat': module }"
			);
		}
		byRoute[route] = module;
	}
	return byRoute;
}

/** Waits for a room to leave `joining` and gives it its event log. */
async function joined<M>(room: Room<M>, events: string[], changed: Set<() => void>): Promise<TestRoom<M>> {
	const log = new Map<string, unknown[]>();
	const taken = new Map<string, number>();
	const waiting = new Map<string, Array<() => void>>();
	const on = (room.on as (name: string, listener: (payload: unknown) => void) => () => void).bind(room);
	const record = (name: string) => {
		if (log.has(name)) return;
		log.set(name, []);
		on(name, (payload) => {
			log.get(name)!.push(payload);
			for (const wake of waiting.get(name)?.splice(0) ?? []) wake();
		});
	};
	// Every event the contract declares, from before the join's history arrives.
	for (const name of events) record(name);

	await until(() => room.status !== 'joining', changed, DEFAULT_WAIT, 'the join did not answer');
	if (room.status !== 'joined') {
		const body = room.error ?? { status: 500, message: `The room is ${room.status}` };
		room.leave();
		throw new LiveError(body);
	}
	// What the join brought (the events' history) is in received(); next() waits for what
	// comes after it.
	for (const [name, payloads] of log) taken.set(name, payloads.length);

	const extra = {
		received(name: string) {
			record(name);
			return [...log.get(name)!];
		},
		async next(name: string, options: { timeout?: number } = {}) {
			record(name);
			const position = taken.get(name) ?? 0;
			const events = log.get(name)!;
			if (events.length <= position) {
				await new Promise<void>((resolve, reject) => {
					const timer = setTimeout(() => reject(new Error(`No '${name}' event within ${options.timeout ?? DEFAULT_WAIT} ms`)), options.timeout ?? DEFAULT_WAIT);
					const wake = () => {
						clearTimeout(timer);
						resolve();
					};
					waiting.set(name, [...(waiting.get(name) ?? []), wake]);
				});
			}
			taken.set(name, position + 1);
			return events[position];
		}
	};
	return Object.assign(room, extra) as unknown as TestRoom<M>;
}

function until(check: () => boolean, changed: Set<() => void>, timeout: number, what: string): Promise<void> {
	if (check()) return Promise.resolve();
	return new Promise((resolve, reject) => {
		const listener = () => {
			if (!check()) return;
			done();
			resolve();
		};
		const timer = setTimeout(() => {
			done();
			reject(new Error(`${what} within ${timeout} ms`));
		}, timeout);
		const done = () => {
			clearTimeout(timer);
			changed.delete(listener);
		};
		changed.add(listener);
	});
}
