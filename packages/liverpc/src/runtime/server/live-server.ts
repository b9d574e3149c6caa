import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { Server, type ServerOptions, type Socket } from 'socket.io';
import { CALL, DEFAULT_PATH, EVENT, JOIN, LEAVE, RESYNC, type ErrorBody } from '../shared/protocol.js';
import { createCallListener } from './call-dispatch.js';
import { CallMemory } from './call-memory.js';
import type { RoomContract } from './contract-registry.js';
import { replyError, neverThrows } from './error-reply.js';
import type { EventId } from './event.js';
import { eventSinks, type EventSink } from './event-sinks.js';
import { createHandshakeMiddleware, refuseHandshake, type HandshakeNext } from './handshake-middleware.js';
import { trackUpgradeResponses } from './handshake-release.js';
import type { LiveSettings, ResolvedOptions } from './live-options.js';
import { checkOrigin, createRefusalLog, ORIGIN_REFUSED } from './origin-check.js';
import { createGatedParser, guardOf, onRefused, REFUSED, type SocketParser } from './packet-gate.js';
import { registerForRevocation } from './revocation.js';
import { RoomLogs } from './room-log.js';
import { shareCallMemory } from './peer-calls.js';
import { PeerLink } from './peer-link.js';
import { RoomPresences } from './room-presence.js';
import { createMembershipListeners } from './room-membership.js';
import { SocketError } from './socket-error.js';
import type { SocketHooks } from './socket-hook.js';

/**
 * A running LiveRPC server.
 *
 * @example
 * ```ts
 * const live = attach(server, { contracts });
 * process.on('SIGTERM', () => live.shutdown({ timeout: 10_000 }));
 * ```
 */
export interface LiveServer {
	/** The underlying Socket.IO server, for what LiveRPC does not cover yet. */
	io: Server;
	/**
	 * For a process that is about to stop: refuses new handshakes with 503, waits up to
	 * `timeout` ms (default 30 s) for calls in flight to be acknowledged, then disconnects
	 * every client, which reconnects by itself (to the next process). The HTTP server stays
	 * open: closing it is its owner's job (adapter-node does it on SIGTERM).
	 */
	shutdown(options?: { timeout?: number }): Promise<void>;
	/** Disconnects every client and closes Socket.IO together with its HTTP server. */
	close(): Promise<void>;
}

/** A {@link LiveServer} whose options can be replaced while it runs (the dev server's). */
export interface ReconfigurableLiveServer extends LiveServer {
	/** Applies new options to handshakes and connections from now on. */
	reconfigure(options: ResolvedOptions): void;
}

/** How a LiveRPC server is put together; `attach` and the Vite dev server both build one. */
export interface LiveServerParts {
	/** Read on every use, so the dev server can swap them when `hooks.socket.ts` changes. */
	hooks: SocketHooks;
	/** Route id to contract; the dev server adds, replaces and removes entries in place. */
	contracts: Map<string, RoomContract>;
	/** Origins, proxy headers and limits, checked. */
	options: ResolvedOptions;
	path?: string;
	socket?: Partial<ServerOptions>;
	/**
	 * Runs before every new session, handshake, join and call when set: the dev server
	 * loads edited files there. Production leaves it unset, and the hot paths do not see it.
	 */
	refresh?: () => Promise<void>;
	/** Sees the `locals` of every admitted handshake when set: the dev server's advice on them. */
	inspectLocals?: (locals: App.SocketLocals) => void;
}

const RESTARTING = new SocketError(503, 'The server is restarting');

type AllowRequest = NonNullable<ServerOptions['allowRequest']>;

/** Attaches Socket.IO to `httpServer` and serves the given hooks and contracts on it. */
export function createLiveServer(httpServer: HttpServer | HttpsServer, parts: LiveServerParts): ReconfigurableLiveServer {
	const { hooks, contracts, refresh } = parts;
	const settings: LiveSettings = { options: parts.options };
	const { parser: customParser, allowRequest: userAllowRequest, ...socketOptions } = parts.socket ?? {};
	const logRefusal = createRefusalLog();

	// Cross-site WebSocket hijacking: every new Engine.IO session, polling or websocket,
	// shows its Origin here before the socket hook can run (#8).
	const allowRequest: AllowRequest = (request, callback) => {
		const decide = () => {
			let reason: string | undefined;
			try {
				reason = checkOrigin(request.headers, isEncrypted(request), settings.options);
			} catch {
				reason = 'the Origin could not be checked';
			}
			if (reason !== undefined) {
				logRefusal(reason);
				return callback(ORIGIN_REFUSED, false);
			}
			if (userAllowRequest) return userAllowRequest(request, callback);
			callback(null, true);
		};
		if (refresh) refresh().then(decide, decide);
		else decide();
	};

	const io = new Server(httpServer, {
		path: parts.path ?? DEFAULT_PATH,
		// Scale-out (#12): the app's adapter; Socket.IO's in-memory one otherwise.
		...(settings.options.adapter ? { adapter: settings.options.adapter } : {}),
		serveClient: false,
		// Websocket first: polling stays available for networks that block upgrades.
		transports: ['websocket', 'polling'],
		// Leave other upgrade requests to their own listeners (Vite HMR in dev).
		destroyUpgrade: false,
		maxHttpBufferSize: settings.options.limits.maxMessageBytes,
		...socketOptions,
		parser: createGatedParser(() => settings.options.limits, customParser as SocketParser | undefined),
		allowRequest
	});

	// Each room's recent events, for members that come back after a short disconnect (#9).
	const rooms = io.of('/').adapter.rooms;
	const logs = new RoomLogs(settings.options.buffer, (key) => (rooms.get(key)?.size ?? 0) > 0);
	// Every process logs every event of its rooms in its own order and sends it to its own
	// members: scaled out, an event emitted on one process reaches the others as a peer
	// message, so each process's buffer can resume its members without a gap (#12).
	const peers = new PeerLink(io);
	// Scaled out, each event also carries the process that emitted it and its number there,
	// which members keep per process: after a reconnect to another process, that one resumes
	// them from its own log (room-log.ts, `afterSeen`). One process sends neither.
	const deliver = (key: string, name: string, payload: unknown, id: EventId | undefined, origin?: string, number?: number) => {
		const seq = logs.append(key, name, payload, id, origin, number);
		if (origin !== undefined) io.local.to(key).emit(EVENT, key, name, payload, seq, id ?? null, origin, number);
		else if (id === undefined) io.local.to(key).emit(EVENT, key, name, payload, seq);
		else io.local.to(key).emit(EVENT, key, name, payload, seq, id);
	};
	const sink: EventSink = (routeId, key, name, payload, id) => {
		if (!contracts.has(routeId)) return;
		if (!peers.enabled) return deliver(key, name, payload, id);
		const number = logs.number();
		deliver(key, name, payload, id, logs.origin, number);
		peers.send('event', routeId, key, name, payload, id, logs.origin, number);
	};
	peers.on('event', (_from, routeId, key, name, payload, id, origin, number) => {
		if (typeof routeId !== 'string' || !contracts.has(routeId) || typeof key !== 'string' || typeof name !== 'string') return;
		if (typeof origin !== 'string' || typeof number !== 'number') return;
		deliver(key, name, payload, typeof id === 'string' || typeof id === 'number' ? id : undefined, origin, number);
	});
	// Events from another process were lost (Redis restarted): this process's logs no longer
	// hold every event of their rooms. Its members re-join from their positions and get the
	// gap from the events' history; the event that showed the loss comes that way too.
	peers.watch({
		onLost: () => {
			logs.forgetAll();
			io.local.emit(RESYNC);
		}
	});
	eventSinks.add(sink);
	const unregister = registerForRevocation(io);

	type Listener = (this: Socket, ...args: unknown[]) => void;
	// Who is in each room (#12); a closed connection leaves every room it was in.
	const presences = new RoomPresences(io, peers);
	const scaleOut = () => {
		peers.start();
		presences.start();
	};
	if (settings.options.adapter) scaleOut();
	const membership = createMembershipListeners(contracts, hooks, logs, presences);
	const onDisconnect = neverThrows('disconnect listener', function (this: Socket) {
		presences.disconnected(this);
	} as Listener);
	const lifecycle = { accepting: true };
	const callMemory = new CallMemory();
	// A call sent again after a reconnect may have run on another process (#12).
	const calls = createCallListener(hooks, callMemory, lifecycle, shareCallMemory(peers, callMemory));
	let onJoin = membership.onJoin as Listener;
	let onLeave = membership.onLeave as Listener;
	let onCall = calls.onCall as Listener;
	const handshake = createHandshakeMiddleware(hooks, settings, parts.inspectLocals);
	let middleware = (socket: Socket, next: HandshakeNext) => {
		if (lifecycle.accepting) handshake(socket, next);
		else {
			refuseHandshake(socket, next, RESTARTING, 'shutdown', hooks);
			// Its session goes too, once Socket.IO has written the refusal (on the next tick):
			// kept, it would hold its connection while the client retries, and adapter-node's
			// server, so the process, would wait for it to close.
			setImmediate(() => socket.conn.close());
		}
	};

	if (refresh) {
		const afterRefresh = (listener: Listener): Listener =>
			function (this: Socket, ...args: unknown[]) {
				refresh().then(
					() => listener.apply(this, args),
					(thrown: unknown) => {
						const ack = args[args.length - 1];
						if (typeof ack !== 'function') return;
						replyError(ack as (body: ErrorBody) => void, thrown, {
							label: 'loading socket files',
							event: undefined,
							handleError: hooks.handleError
						});
					}
				);
			};
		onJoin = afterRefresh(onJoin);
		onLeave = afterRefresh(onLeave);
		onCall = afterRefresh(onCall);
		const plain = middleware;
		middleware = (socket, next) => {
			refresh().then(
				() => plain(socket, next),
				(thrown: unknown) => refuseHandshake(socket, next, thrown, 'loading socket files', hooks)
			);
		};
	}
	onJoin = neverThrows('join listener', onJoin);
	onLeave = neverThrows('leave listener', onLeave);
	onCall = neverThrows('call listener', onCall);

	trackUpgradeResponses(io);
	io.use(middleware);
	io.on('connection', (socket) => {
		socket.on('error', ignoreGateViolation);
		socket.on('disconnect', freeConnection);
		socket.on('disconnect', onDisconnect);
		socket.on(JOIN, onJoin);
		socket.on(LEAVE, onLeave);
		socket.on(CALL, onCall);
		socket.on(REFUSED, onRefused);
	});

	const stopServing = () => {
		peers.stop();
		eventSinks.delete(sink);
		unregister();
		logs.stop();
		callMemory.stop();
	};

	return {
		io,
		reconfigure(options) {
			// vite dev reads hooks.socket.ts after the server exists, before the first connection:
			// its adapter is taken then. Changing it later needs a restart.
			if (options.adapter && !peers.enabled) {
				if (io.engine.clientsCount === 0) {
					io.adapter(options.adapter);
					scaleOut();
				} else {
					console.warn('[liverpc] the adapter option changed: restart the server to use it');
				}
			}
			settings.options = options;
			logs.reconfigure(options.buffer);
			applyMessageLimit(io, options.limits.maxMessageBytes);
		},
		async shutdown({ timeout = 30_000 } = {}) {
			// New handshakes get 503 and new calls no answer (their clients send them again
			// to the next process); only the calls already running are waited for, so a
			// restart takes as long as the slowest of those, not the whole timeout (#9).
			lifecycle.accepting = false;
			// A keep-alive connection would carry form posts to this process until its owner
			// gives up on draining it: each request still served closes its connection, so
			// the next one reaches the next process (#9).
			httpServer.prependListener('request', closeAfterResponse);
			const deadline = Date.now() + timeout;
			while (calls.pendingCalls() > 0 && Date.now() < deadline) {
				await new Promise((resolve) => setTimeout(resolve, 20));
			}
			stopServing();
			io.disconnectSockets(true);
			// And the Engine.IO sessions that hold no LiveRPC connection yet (one that never sent
			// its handshake): adapter-node's server only closes once the last of its
			// connections has, upgraded ones included, and the process only exits then.
			io.engine.close();
			// Scaled out, the adapter holds connections and timers of its own (Redis clients,
			// heartbeats): closed, so that nothing of LiveRPC's keeps the process alive once
			// adapter-node has closed its server. The app's own Redis client is the app's to
			// close, on 'sveltekit:shutdown' (#12).
			if (settings.options.adapter) closeAdapter(io);
		},
		close: () =>
			new Promise<void>((resolve) => {
				stopServing();
				void io.close(() => resolve());
			})
	};
}

/** Closes the namespace's adapter; one that fails to close must not fail the shutdown. */
function closeAdapter(io: Server): void {
	try {
		void Promise.resolve(io.of('/').adapter.close()).catch((problem: unknown) => console.error('[liverpc] the adapter did not close:', problem));
	} catch (problem) {
		console.error('[liverpc] the adapter did not close:', problem);
	}
}

function closeAfterResponse(_request: IncomingMessage, response: ServerResponse): void {
	if (!response.headersSent) response.setHeader('connection', 'close');
}

function isEncrypted(request: IncomingMessage): boolean {
	return Boolean((request.socket as TLSSocket | undefined)?.encrypted);
}

// Socket.IO reports a decoder's protocol violation to each socket of the connection before
// it closes the connection; the packet gate has decided already, so there is nothing to log.
function ignoreGateViolation(): void {}

// The namespace socket is gone: its connection may open another one.
function freeConnection(this: Socket): void {
	guardOf(this).socketOpen = false;
}

/**
 * Engine.IO reads its size limit when a polling session starts and when a websocket is
 * accepted, so changing both fields applies it to every new connection (`vite dev`).
 */
function applyMessageLimit(io: Server, bytes: number): void {
	const engine = io.engine as unknown as { opts: { maxHttpBufferSize: number }; ws?: { options?: { maxPayload?: number } } };
	engine.opts.maxHttpBufferSize = bytes;
	if (engine.ws?.options) engine.ws.options.maxPayload = bytes;
}
