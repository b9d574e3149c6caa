import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
import { CLIENT_KEY, DEFAULT_PATH, ENDED, EVENT, isErrorBody, PRESENCE, RESYNC, type ErrorBody } from '../shared/protocol.js';
import { retryDelay, type Backoff } from './backoff.js';
import { CallDeadlines } from './call-deadlines.js';
import { CallNumbers } from './call-numbers.js';
import type { MakeState } from './reactive-state.js';
import { RoomChannel, type ChannelHost, type PendingCall } from './room-channel.js';
import { readContractShape, RoomHandle } from './room-handle.js';
import { renderedRoomOf } from './rendered-room-source.js';
import type { ContractModuleCheck, LiveSource, Room, RoomStatus } from './room-types.js';

/**
 * Where the shared connection is in its life.
 *
 * @example
 * ```svelte
 * {#if getClient().status === 'reconnecting'}<p>Reconnecting…</p>{/if}
 * ```
 */
export type ConnectionStatus = 'connecting' | 'connected' | 'reconnecting' | 'rejected' | 'closed';

/**
 * Options of `createClient`.
 *
 * @example
 * ```ts
 * const options: ClientOptions = { url: 'http://127.0.0.1:3000', headers: { cookie: 'session=abc' }, backoff: { base: 250 } };
 * ```
 */
export interface ClientOptions {
	/** Server origin. Default: the page's own origin in a browser; required in Node. */
	url?: string;
	/** Socket.IO path; must match the server's. Default `/_liverpc`. */
	path?: string;
	/** Extra handshake headers, in Node only (browsers send cookies themselves): `{ cookie: 'session=…' }`. */
	headers?: Record<string, string>;
	/** Backoff for retryable handshake refusals (5xx) and joins (5xx, 429): 500 ms doubling to 10 s, 5 join retries. */
	backoff?: Backoff;
	/**
	 * How long a call may take, in ms, from `room.call()` to its answer, waiting for its room
	 * to be joined (or joined again after a reconnect) included: past it, the call rejects
	 * with a 504 `LiveError` (`The server did not answer the call in time`, or, for a call
	 * still waiting for its room, `The room was not joined in time`). `Infinity` disables it.
	 * Default 30,000.
	 *
	 * @example
	 * ```ts
	 * createClient({ url, callTimeout: 10_000 }); // a call not answered within 10 s rejects with 504
	 * ```
	 */
	callTimeout?: number;
	/** How many calls of one room may wait for its join at once; one more rejects with 429. Default 100. */
	maxHeldCalls?: number;
	/** Passed to `socket.io-client` as they are, after LiveRPC's defaults. */
	socket?: Partial<ManagerOptions & SocketOptions>;
}

/**
 * One Socket.IO connection shared by every room of a tab (or of a Node script). Rooms are
 * re-joined after every reconnect, so each join guard runs again with the new `locals`.
 *
 * @example
 * ```ts
 * const client: LiveClient = createClient({ url: 'http://127.0.0.1:3000' });
 * const lobby = client.live(lobbyContract);
 * client.close();
 * ```
 */
export class LiveClient {
	/** `connecting`, `connected`, `reconnecting`, `rejected` (the socket hook refused, see `error`) or `closed`. */
	get status(): ConnectionStatus {
		return this.#state.status;
	}
	/** Why the socket hook refused the connection, as `{ status, message }`. */
	get error(): ErrorBody | undefined {
		return this.#state.error;
	}
	/** The Socket.IO path this client connects to: `/_liverpc`, or under the app's `paths.base`. */
	readonly path: string;

	#state: { status: ConnectionStatus; error: ErrorBody | undefined };
	#socket: Socket | undefined;
	#channels = new Map<string, RoomChannel>();
	#byKey = new Map<string, RoomChannel>();
	#retries = 0;
	#retryTimer: ReturnType<typeof setTimeout> | undefined;
	#host: ChannelHost;

	/** @param makeState plain objects in Node, `$state` in Svelte; `connect: false` for server rendering */
	constructor(options: ClientOptions & { connect?: boolean }, makeState: MakeState) {
		// 'connecting' during server rendering too, so the hydrated page starts where SSR left it.
		this.#state = makeState({ status: 'connecting', error: undefined });
		this.path = options.path ?? DEFAULT_PATH;
		this.#host = {
			connectedSocket: () => (this.#socket?.connected ? this.#socket : undefined),
			bindKey: (key, channel) => this.#byKey.set(key, channel),
			release: (channel) => {
				this.#channels.delete(channel.id);
				if (channel.key && this.#byKey.get(channel.key) === channel) this.#byKey.delete(channel.key);
			},
			makeState,
			connectable: options.connect !== false,
			backoff: options.backoff,
			callNumbers: new CallNumbers(),
			callDeadlines: new CallDeadlines<PendingCall>(options.callTimeout ?? DEFAULT_CALL_TIMEOUT, (call) => call.channel.expire(call)),
			maxHeldCalls: options.maxHeldCalls ?? DEFAULT_MAX_HELD_CALLS
		};
		if (options.connect === false) return;

		const url = options.url ?? (typeof location === 'undefined' ? undefined : location.origin);
		if (!url) throw new Error('createClient() needs { url } outside a browser');
		const socket = io(url, {
			path: this.path,
			transports: ['websocket', 'polling'],
			tryAllTransports: true,
			// Socket.IO's own backoff after a network loss, with its jitter: 0.5 s doubling to
			// 2 s (its defaults go to 5 s), so tabs are back soon after a restarted server is.
			reconnectionDelay: 500,
			reconnectionDelayMax: 2000,
			forceNew: true, // never share a Manager with another client to the same URL
			// Names this client's calls across reconnects, so a call sent again runs once.
			auth: { [CLIENT_KEY]: randomClientKey() },
			...(options.headers ? { extraHeaders: options.headers } : {}),
			...options.socket
		});
		this.#socket = socket;
		this.#listen(socket, options.backoff);
	}

	/**
	 * Opens (or shares) a room. Prefer the `live()` export, which uses the tab's client.
	 *
	 * @example
	 * ```ts
	 * const client = createClient({ url: 'http://localhost:3000', headers: { cookie } });
	 * const room = client.live(chat, { roomId: '42' });
	 * ```
	 */
	live<M extends object>(contract: M & NoInfer<ContractModuleCheck<M>>, ...[given]: LiveSource<M>): Room<M> {
		const shape = readContractShape(contract as Record<string, unknown>);
		const rendered = renderedRoomOf(given, shape.route);
		const params: Record<string, string> = rendered ? rendered.params : ((given as Record<string, string> | undefined) ?? {});
		const id = `${shape.route}?${JSON.stringify(Object.entries(params).sort(([a], [b]) => (a < b ? -1 : 1)))}`;
		let channel = this.#channels.get(id);
		if (!channel) {
			channel = new RoomChannel(this.#host, shape.route, { ...params }, id);
			this.#channels.set(id, channel);
			if (rendered) channel.continueFrom(rendered);
			channel.join();
			if (this.#state.status === 'rejected' && this.#state.error) channel.refused(this.#state.error);
		}
		return new RoomHandle(channel, shape.calls) as unknown as Room<M>;
	}

	/**
	 * Drops the connection and connects again, so the socket hook runs with the cookies the
	 * browser has now (after sign-in or sign-out); every open room is joined again.
	 */
	reconnect(): void {
		if (!this.#socket || this.#state.status === 'closed') return;
		clearTimeout(this.#retryTimer);
		for (const channel of this.#channels.values()) channel.reset();
		this.#socket.disconnect();
		this.#state.status = 'connecting';
		this.#socket.connect();
	}

	/** Closes the connection for good; every room ends `closed`. */
	close(): void {
		clearTimeout(this.#retryTimer);
		this.#state.status = 'closed';
		for (const channel of [...this.#channels.values()]) channel.end();
		this.#socket?.disconnect();
	}

	#listen(socket: Socket, backoff: Backoff | undefined): void {
		const retryLater = () => {
			clearTimeout(this.#retryTimer);
			this.#retryTimer = setTimeout(() => socket.connect(), retryDelay(this.#retries++, backoff));
		};

		socket.on('connect', () => {
			this.#retries = 0;
			this.#state.status = 'connected';
			this.#state.error = undefined;
			for (const channel of this.#channels.values()) channel.join();
		});

		socket.on('disconnect', (reason) => {
			for (const channel of this.#channels.values()) channel.disconnected();
			if (this.#state.status === 'closed') return;
			this.#state.status = 'reconnecting';
			// Socket.IO reconnects by itself after a network loss, but not when the server
			// ended the session (revocation, shutdown): then the hook must run again.
			if (reason === 'io server disconnect') retryLater();
		});

		socket.on('connect_error', (err: Error & { data?: unknown }) => {
			if (this.#state.status === 'closed') return;
			const body = err.data;
			if (isErrorBody(body) && body.status < 500) {
				// The socket hook refused us: retrying with the same cookies changes nothing.
				this.#state.status = 'rejected';
				this.#state.error = body;
				for (const channel of this.#channels.values()) channel.refused(body);
				return;
			}
			this.#state.status = this.#state.status === 'connecting' ? 'connecting' : 'reconnecting';
			this.#state.error = isErrorBody(body) ? body : undefined;
			// A 5xx from the hook leaves the socket inactive; a network error does not.
			if (!socket.active) retryLater();
		});

		socket.on(EVENT, (key: string, name: string, payload: unknown, seq: unknown, id: unknown) => {
			this.#byKey.get(key)?.receive(name, payload, seq, id);
		});

		socket.on(PRESENCE, (key: string, upserts: unknown, removals: unknown) => {
			this.#byKey.get(key)?.presenceChanged(upserts, removals);
		});

		// The server may have missed events of other processes: every room joins again from
		// where it is, as after a reconnect, and gets what it missed.
		socket.on(RESYNC, (key: unknown) => {
			if (typeof key === 'string') this.#byKey.get(key)?.resync();
		});

		// The server checked this connection's locals again and the room's guard (or the
		// hook) refuses them now: the room shows the refusal, as a refused join does.
		socket.on(ENDED, (key: unknown, body: unknown) => {
			if (typeof key === 'string' && isErrorBody(body)) this.#byKey.get(key)?.ended(body);
		});
	}
}

export type { RoomStatus };

const DEFAULT_CALL_TIMEOUT = 30_000;
const DEFAULT_MAX_HELD_CALLS = 100;

/** 16 random bytes, base64url: the key the server files this client's call numbers under. */
function randomClientKey(): string {
	const bytes = crypto.getRandomValues(new Uint8Array(16));
	let binary = '';
	for (const byte of bytes) binary += String.fromCharCode(byte);
	return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
