import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { Server, type ServerOptions, type Socket } from 'socket.io';
import { CALL, DEFAULT_PATH, HISTORY, JOIN, LEAVE, type ErrorBody } from '../shared/protocol.js';
import { admissionKind, ConnectionAdmission } from './gate/address-admission.js';
import { createCallListener, type CallLifecycle } from './calls/call-dispatch.js';
import { CallMemory } from './calls/call-memory.js';
import type { RoomContract } from './contract/contract-registry.js';
import { replyError, neverThrows } from './contract/error-reply.js';
import { createHandshakeMiddleware, refuseHandshake, type HandshakeNext } from './gate/handshake-middleware.js';
import { trackUpgradeResponses } from './gate/handshake-release.js';
import type { LiveSettings, ResolvedOptions } from './options/live-options.js';
import { checkOrigin, createRefusalLog, ORIGIN_REFUSED } from './gate/origin-check.js';
import { createGatedParser, budgetOf, onRefused, refusalKind, REFUSED, type SocketParser } from './gate/packet-gate.js';
import { keyRoom, registerForRevocation } from './contract/revocation.js';
import { roomRenderers, type RoomRenderer } from './contract/room-renderers.js';
import { renderRoom } from './rooms/room-render.js';
import { connectionData, membershipsOf } from './gate/connection-state.js';
import { createRoomDelivery, type RoomDelivery } from './room-delivery.js';
import { createMembershipListeners } from './rooms/room-membership.js';
import { createHistoryListener } from './rooms/history-pages.js';
import { capSendBacklog } from './rooms/send-backlog.js';
import { createConnectionLifetimes } from './gate/connection-lifetime.js';
import { SocketError } from './contract/socket-error.js';
import { holdUserBudget, releaseUserBudget, UserBudgets } from './gate/user-budget.js';
import type { SocketHooks } from './gate/socket-hook.js';
import { ServerTelemetry } from './telemetry/server-telemetry.js';
import { startInspector, type DevInspector, type InspectorSettings } from './inspector/dev-inspector.js';
import { inspectorNotFound, type InspectorHandler } from './inspector/inspector-routes.js';

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
	/** Its metrics, log lines and, for the dev inspector, its activity. */
	telemetry: ServerTelemetry;
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
	/** Serves the dev inspector at `${path}/inspector` when set (the dev server's); else that path answers 404. */
	inspector?: InspectorSettings;
}

const RESTARTING = new SocketError(503, 'The server is restarting');

type AllowRequest = NonNullable<ServerOptions['allowRequest']>;
type Listener = (this: Socket, ...args: unknown[]) => void;

/** Attaches Socket.IO to `httpServer` and serves the given hooks and contracts on it. */
export function createLiveServer(httpServer: HttpServer | HttpsServer, parts: LiveServerParts): ReconfigurableLiveServer {
	const services = startServices(httpServer, parts);
	serveConnections(services, parts);
	routeInspectorPath(httpServer, parts.path ?? DEFAULT_PATH, services.inspector?.handle ?? inspectorNotFound);
	return {
		io: services.io,
		telemetry: services.telemetry,
		reconfigure(options) {
			reconfigureServices(services, options);
		},
		shutdown(options) {
			return shutdownServices(httpServer, services, options);
		},
		close: async () => {
			await stopServing(services);
			await new Promise<void>((resolve) => void services.io.close(() => resolve()));
		}
	};
}

/** What one server runs on: made once by {@link startServices}, then shared by its other steps. */
interface Services {
	io: Server;
	settings: LiveSettings;
	admission: ConnectionAdmission;
	userBudgets: UserBudgets;
	rooms: RoomDelivery;
	lifecycle: CallLifecycle;
	callMemory: CallMemory;
	calls: ReturnType<typeof createCallListener>;
	membership: ReturnType<typeof createMembershipListeners>;
	lifetimes: ReturnType<typeof createConnectionLifetimes>;
	telemetry: ServerTelemetry;
	/** `vite dev` only. */
	inspector: DevInspector | undefined;
	unregister: () => void;
}

/** Makes the Socket.IO server and everything its connections use: limits, rooms, calls, lifetimes, revocation. */
function startServices(httpServer: HttpServer | HttpsServer, parts: LiveServerParts): Services {
	const { hooks, contracts } = parts;
	const settings: LiveSettings = { options: parts.options };
	const telemetry = new ServerTelemetry(() => settings.options.logger);
	// Limits beyond one connection, so that no single address, process or user can take the
	// whole server: per address and per process at the handshake, per user (or address) on
	// calls and joins.
	const admission = new ConnectionAdmission(() => settings.options.limits);
	const userBudgets = new UserBudgets();
	// The socket server asks the rooms whether they are still scaling out; they need the server.
	let delivery: RoomDelivery | undefined;
	const io = createSocketServer(httpServer, parts, settings, admission, () => delivery?.scaling, telemetry);
	const callMemory = new CallMemory(() => settings.options.limits);
	const rooms = (delivery = createRoomDelivery(io, contracts, settings, callMemory, telemetry));
	const lifecycle = { accepting: true };
	const calls = createCallListener(hooks, callMemory, lifecycle, rooms, telemetry);
	const membership = createMembershipListeners(contracts, hooks, rooms, telemetry);
	// Past a connection's deadline its joins and calls wait for the hook to run again, so a
	// long-lived connection cannot keep acting on what the hook decided long ago.
	const lifetimes = createConnectionLifetimes(hooks, settings, rooms);
	const unregisterRevocation = registerForRevocation({
		endLocal: (keys) => {
			const ended = endConnectionsWithKeys(io, keys);
			telemetry.revoked(ended);
			return ended;
		},
		broadcast: (keys) => rooms.revoke(keys)
	});
	const renderer = createRoomRenderer(parts, settings, rooms);
	roomRenderers.add(renderer);
	const unregister = () => {
		unregisterRevocation();
		roomRenderers.delete(renderer);
	};
	telemetry.observe(() => gaugeReadings(io, rooms));
	// Read through `rooms` on every snapshot: scaling out replaces its presences.
	const inspector = parts.inspector && startInspector(io, telemetry, (key) => rooms.presences.peek(key), parts.inspector);
	return { io, settings, admission, userBudgets, rooms, lifecycle, callMemory, calls, membership, lifetimes, telemetry, inspector, unregister };
}

/** What the app's metrics reader is told of the server now: read only when it collects. */
function gaugeReadings(io: Server, rooms: RoomDelivery) {
	let members = 0;
	const keys = new Set<string>();
	for (const socket of io.of('/').sockets.values()) {
		for (const membership of membershipsOf(socket)) {
			members++;
			keys.add(membership.key);
		}
	}
	const link = rooms.cluster?.link;
	return { connections: io.of('/').sockets.size, rooms: keys.size, members, redisConnected: link ? (link.up ? 1 : 0) : undefined };
}

/**
 * Serves `loadRoom()` for this server's routes: a page's render reads a room as a join would
 * (`rooms/room-render.ts`), once edited socket files are loaded (`vite dev`) and the rooms
 * have scaled out (their logs are then the cluster's).
 */
function createRoomRenderer(parts: LiveServerParts, settings: LiveSettings, rooms: RoomDelivery): RoomRenderer {
	const { contracts, hooks, refresh } = parts;
	return (routeId, params, request) => {
		// In `vite dev` the socket files are loaded on first use: a page rendered before any
		// socket connected finds its contract only after `refresh`.
		if (!refresh && !contracts.has(routeId)) return undefined;
		const ready = Promise.all([refresh?.(), rooms.scaling]);
		return ready.then(() => {
			const contract = contracts.get(routeId);
			return contract && renderRoom(contract, params, request, hooks, settings, rooms);
		});
	};
}

/** Installs the handshake middleware and, on every connection, its listeners, budget and lifetime. */
function serveConnections(services: Services, parts: LiveServerParts): void {
	const { io, settings, admission, userBudgets, rooms, lifecycle, calls, membership, lifetimes, telemetry } = services;
	const { hooks, refresh } = parts;
	const listeners = serveListeners(
		{
			onJoin: lifetimes.holdWhileStale(membership.onJoin as Listener, 'join'),
			onLeave: membership.onLeave as Listener,
			onCall: lifetimes.holdWhileStale(calls.onCall as Listener, 'call'),
			// A page of older events runs on the member's locals as a call does: not past their deadline.
			onHistory: lifetimes.holdWhileStale(createHistoryListener(hooks) as Listener, 'call')
		},
		handshakeMiddleware(hooks, settings, lifecycle, telemetry, parts.inspectLocals),
		hooks,
		refresh,
		telemetry
	);
	// A packet the gate refused: counted and, now and then, logged, then answered.
	const onGateRefusal = function (this: Socket, refusal: unknown, ack: unknown) {
		const kind = refusalKind(refusal) ?? 'refused';
		telemetry.limitHit(kind, { connectionId: this.id }, `a packet was refused by the packet gate: ${kind}`);
		onRefused.call(this, refusal, ack);
	};
	const onDisconnect = neverThrows('disconnect listener', function (this: Socket) {
		lifetimes.end(this);
		rooms.presences.disconnected(this);
	} as Listener);

	trackUpgradeResponses(io);
	capSendBacklog(io, () => settings.options.limits.maxBufferedBytes, (connectionId) =>
		telemetry.limitHit('buffered-bytes', { connectionId }, 'a connection was closed: it read too slowly (limits.maxBufferedBytes unsent)')
	);
	io.engine.on('connection', (conn: Parameters<ConnectionAdmission['track']>[0]) => admission.track(conn));
	io.use(listeners.middleware);
	io.on('connection', (socket) => {
		socket.on('error', ignoreGateViolation);
		socket.on('disconnect', freeConnection);
		holdUserBudget(userBudgets, socket);
		socket.on('disconnect', releaseUserBudget);
		socket.on('disconnect', onDisconnect);
		socket.on(JOIN, listeners.onJoin);
		socket.on(LEAVE, listeners.onLeave);
		socket.on(CALL, listeners.onCall);
		socket.on(HISTORY, listeners.onHistory);
		socket.on(REFUSED, neverThrows('refusal listener', onGateRefusal));
		// The hook's keys are rooms of the connection: revoke() ends them by room.
		const keys = connectionData(socket).keys;
		if (keys) void socket.join(keys.map(keyRoom));
		lifetimes.start(socket);
	});
}

/** Applies new options (the dev server's): to handshakes and connections from now on. */
function reconfigureServices(services: Services, options: ResolvedOptions): void {
	const { io, settings, rooms } = services;
	// vite dev reads hooks.socket.ts after the server exists, before the first connection:
	// its Redis client is taken then. Changing it later needs a restart.
	if (options.redis && !rooms.cluster && !rooms.scaling) {
		if (io.engine.clientsCount === 0) rooms.scaleOut(options.redis);
		else services.telemetry.log('warn', {}, 'the redis option changed: restart the server to use it');
	}
	settings.options = options;
	rooms.logs.reconfigure(options.buffer);
	applyMessageLimit(io, options.limits.maxMessageBytes);
}

/** {@link LiveServer.shutdown}: stops accepting, drains the calls in flight, then lets go of everything. */
async function shutdownServices(httpServer: HttpServer | HttpsServer, services: Services, { timeout = 30_000 }: { timeout?: number } = {}): Promise<void> {
	const { io, rooms, lifecycle, calls, telemetry } = services;
	telemetry.log('info', { connections: io.of('/').sockets.size, callsInFlight: calls.pendingCalls() }, 'shutting down: new handshakes are refused, calls in flight finish, then clients move to the next process');
	// New handshakes get 503 and new calls no answer (their clients send them again
	// to the next process); only the calls already running are waited for, so a
	// restart takes as long as the slowest of those, not the whole timeout.
	lifecycle.accepting = false;
	// A keep-alive connection would carry form posts to this process until its owner
	// gives up on draining it: each request still served closes its connection, so
	// the next one reaches the next process.
	httpServer.prependListener('request', closeAfterResponse);
	const deadline = Date.now() + timeout;
	while (calls.pendingCalls() > 0 && Date.now() < deadline) {
		await new Promise((resolve) => setTimeout(resolve, 20));
	}
	// This process's connections only, and now: scaled out, the adapter's own
	// disconnectSockets() would first publish to every process and disconnect after.
	io.local.disconnectSockets(true);
	// Scaled out, the events those calls emitted, and the presence entries the
	// disconnects just removed, must reach Redis before this process stops writing, or
	// the other processes' members would hear of them late (presence) or never.
	const flushBy = Math.max(deadline, Date.now() + 1_000);
	while (rooms.cluster?.flushed === false && Date.now() < flushBy) {
		await new Promise((resolve) => setTimeout(resolve, 20));
	}
	await stopServing(services);
	// And the Engine.IO sessions that hold no LiveRPC connection yet (one that never sent
	// its handshake): adapter-node's server only closes once the last of its
	// connections has, upgraded ones included, and the process only exits then.
	io.engine.close();
	// Scaled out, the adapter holds connections and timers of its own (Redis clients,
	// heartbeats): closed, so that nothing of LiveRPC's keeps the process alive once
	// adapter-node has closed its server. The app's own Redis client is the app's to
	// close, on 'sveltekit:shutdown'.
	if (rooms.cluster) closeAdapter(io);
	telemetry.log('info', { callsUnfinished: calls.pendingCalls() }, 'shut down');
}

/** Detaches this server from the process-wide sinks and revocation, and stops its timers and cluster. */
async function stopServing(services: Services): Promise<void> {
	const { rooms, unregister, lifetimes, callMemory, admission, userBudgets, telemetry, inspector } = services;
	unregister();
	inspector?.stop();
	telemetry.stop();
	lifetimes.stop();
	callMemory.stop();
	admission.stop();
	userBudgets.stop();
	await rooms.stop();
}

/**
 * Puts `${socketPath}/inspector` and what is below it before Engine.IO, which answers every
 * request under the socket path (its 400): the dev inspector's pages, or a plain 404 in
 * `node build`. Engine.IO's own technique, after it attached: the server's request listeners
 * are taken off and called by one listener that serves the inspector's path first.
 */
function routeInspectorPath(httpServer: HttpServer | HttpsServer, socketPath: string, handle: InspectorHandler): void {
	const prefix = `${socketPath.replace(/\/+$/, '')}/inspector`;
	const previous = httpServer.listeners('request') as Array<(request: IncomingMessage, response: ServerResponse) => void>;
	httpServer.removeAllListeners('request');
	httpServer.on('request', (request: IncomingMessage, response: ServerResponse) => {
		const url = request.url ?? '';
		const end = url.search(/[?#]/);
		const pathname = end < 0 ? url : url.slice(0, end);
		if (pathname === prefix || pathname.startsWith(`${prefix}/`)) return handle(request, response, pathname.slice(prefix.length));
		for (const listener of previous) listener.call(httpServer, request, response);
	});
}

/** The Socket.IO server: LiveRPC's transports, packet gate and Origin check. */
function createSocketServer(httpServer: HttpServer | HttpsServer, parts: LiveServerParts, settings: LiveSettings, admission: ConnectionAdmission, scalingOut: () => Promise<void> | undefined, telemetry: ServerTelemetry): Server {
	const { parser: customParser, allowRequest: userAllowRequest, ...socketOptions } = parts.socket ?? {};
	const logRefusal = createRefusalLog(undefined, (line) => telemetry.log('warn', { reason: 'origin' }, line));
	const refresh = parts.refresh;

	// Cross-site WebSocket hijacking: every new Engine.IO session, polling or websocket,
	// shows its Origin here before the socket hook can run.
	const allowRequest: AllowRequest = (request, callback) => {
		const decide = () => {
			let reason: string | undefined;
			try {
				reason = checkOrigin(request.headers, isEncrypted(request), settings.options);
			} catch {
				reason = 'the Origin could not be checked';
			}
			if (reason !== undefined) {
				telemetry.metrics.handshakesRefused.add(1, { reason: 'origin' });
				logRefusal(reason);
				return callback(ORIGIN_REFUSED, false);
			}
			const tooMany = admission.admit(request, settings.options.proxy);
			if (tooMany !== undefined) {
				const kind = admissionKind(tooMany);
				telemetry.metrics.limitsHit.add(1, { kind });
				telemetry.handshakeRefused(kind, 'warn', {}, `refused a connection: too many (${kind})`);
				return callback(tooMany, false);
			}
			if (userAllowRequest) return userAllowRequest(request, callback);
			callback(null, true);
		};
		// Scaling out replaces the namespace's adapter, and a Socket.IO socket keeps the adapter
		// of the moment it is made: no session starts until the Redis adapter is in place.
		const scaling = scalingOut();
		if (scaling) void scaling.then(() => (refresh ? refresh().then(decide, decide) : decide()));
		else if (refresh) refresh().then(decide, decide);
		else decide();
	};

	// Scaled out, the Redis adapter replaces the in-memory one before the first connection
	// is admitted (see room-delivery.ts).
	return new Server(httpServer, {
		path: parts.path ?? DEFAULT_PATH,
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
}

/** The handshake middleware, refusing new connections once the server shuts down. */
function handshakeMiddleware(hooks: SocketHooks, settings: LiveSettings, lifecycle: CallLifecycle, telemetry: ServerTelemetry, inspectLocals: LiveServerParts['inspectLocals']) {
	const handshake = createHandshakeMiddleware(hooks, settings, telemetry, inspectLocals);
	return (socket: Socket, next: HandshakeNext) => {
		if (lifecycle.accepting) return handshake(socket, next);
		refuseHandshake(socket, next, RESTARTING, 'shutdown', hooks, telemetry);
		// Its session goes too, once Socket.IO has written the refusal (on the next tick):
		// kept, it would hold its connection while the client retries, and adapter-node's
		// server, so the process, would wait for it to close.
		setImmediate(() => socket.conn.close());
	};
}

/**
 * The listeners as Socket.IO calls them: never throwing out of its callbacks and, in
 * `vite dev` (`refresh` set), each after the edited socket files were loaded.
 */
function serveListeners(
	listeners: { onJoin: Listener; onLeave: Listener; onCall: Listener; onHistory: Listener },
	handshake: (socket: Socket, next: HandshakeNext) => void,
	hooks: SocketHooks,
	refresh: (() => Promise<void>) | undefined,
	telemetry: ServerTelemetry
) {
	let { onJoin, onLeave, onCall, onHistory } = listeners;
	let middleware = handshake;
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
							handleError: hooks.handleError,
							logger: telemetry.logger,
							connectionId: this.id
						});
					}
				);
			};
		onJoin = afterRefresh(onJoin);
		onLeave = afterRefresh(onLeave);
		onCall = afterRefresh(onCall);
		onHistory = afterRefresh(onHistory);
		middleware = (socket, next) => {
			refresh().then(
				() => handshake(socket, next),
				(thrown: unknown) => refuseHandshake(socket, next, thrown, 'loading socket files', hooks, telemetry)
			);
		};
	}
	return {
		middleware,
		onJoin: neverThrows('join listener', onJoin),
		onLeave: neverThrows('leave listener', onLeave),
		onCall: neverThrows('call listener', onCall),
		onHistory: neverThrows('history listener', onHistory)
	};
}

/** Ends this process's connections that the hook gave one of `keys`; returns how many. */
function endConnectionsWithKeys(io: Server, keys: readonly string[]): number {
	const namespace = io.of('/');
	const ids = new Set<string>();
	for (const key of keys) for (const id of namespace.adapter.rooms.get(keyRoom(key)) ?? []) ids.add(id);
	for (const id of ids) namespace.sockets.get(id)?.disconnect(true);
	return ids.size;
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
	budgetOf(this).socketOpen = false;
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
