import type { Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import { Server, type ServerOptions, type Socket } from 'socket.io';
import { CALL, DEFAULT_PATH, EVENT, JOIN, LEAVE, type ErrorBody } from '../shared/protocol.js';
import { createCallListener } from './call-dispatch.js';
import type { RoomContract } from './contract-registry.js';
import { eventSinks, type EventSink } from './event-sinks.js';
import { createHandshakeMiddleware, handshakeRefusal, refuseHandshake, type HandshakeNext } from './handshake-middleware.js';
import { trackUpgradeResponses } from './handshake-release.js';
import { settle } from './promise-or-value.js';
import { createMembershipListeners } from './room-membership.js';
import type { SocketHooks } from './socket-hook.js';
import { toErrorBody } from './unexpected-error.js';

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

/** How a LiveRPC server is put together; `attach` and the Vite dev server both build one. */
export interface LiveServerParts {
	/** Read on every use, so the dev server can swap them when `hooks.socket.ts` changes. */
	hooks: SocketHooks;
	/** Route id to contract; the dev server adds, replaces and removes entries in place. */
	contracts: Map<string, RoomContract>;
	/** The app's public origin (`ORIGIN`), for the hook's `url`; else the request's host. */
	origin?: string;
	path?: string;
	socket?: Partial<ServerOptions>;
	/**
	 * Runs before every handshake, join and call when set: the dev server loads edited
	 * files there. Production leaves it unset, and the hot paths do not see it.
	 */
	refresh?: () => Promise<void>;
}

const RESTARTING: ErrorBody = Object.freeze({ status: 503, message: 'The server is restarting' });

/** Attaches Socket.IO to `httpServer` and serves the given hooks and contracts on it. */
export function createLiveServer(httpServer: HttpServer | HttpsServer, parts: LiveServerParts): LiveServer {
	const { hooks, contracts, refresh } = parts;
	const io = new Server(httpServer, {
		path: parts.path ?? DEFAULT_PATH,
		serveClient: false,
		// Websocket first: polling stays available for networks that block upgrades.
		transports: ['websocket', 'polling'],
		// Leave other upgrade requests to their own listeners (Vite HMR in dev).
		destroyUpgrade: false,
		...parts.socket
	});

	const sink: EventSink = (routeId, key, name, payload) => {
		if (contracts.has(routeId)) io.to(key).emit(EVENT, key, name, payload);
	};
	eventSinks.add(sink);

	type Listener = (this: Socket, ...args: unknown[]) => void;
	const membership = createMembershipListeners(contracts, hooks);
	const calls = createCallListener(hooks);
	let onJoin = membership.onJoin as Listener;
	let onLeave = membership.onLeave as Listener;
	let onCall = calls.onCall as Listener;
	const handshake = createHandshakeMiddleware(hooks, parts.origin);
	let accepting = true;
	let middleware = (socket: Socket, next: HandshakeNext) => {
		if (accepting) handshake(socket, next);
		else next(handshakeRefusal(RESTARTING));
	};

	if (refresh) {
		const afterRefresh = (listener: Listener): Listener =>
			function (this: Socket, ...args: unknown[]) {
				refresh().then(
					() => listener.apply(this, args),
					(thrown: unknown) => {
						const ack = args[args.length - 1];
						const body = toErrorBody(thrown, { label: 'loading socket files', event: undefined, handleError: hooks.handleError });
						if (typeof ack === 'function') settle(body, ack as (body: ErrorBody) => void, () => {});
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
				(thrown: unknown) => refuseHandshake(next, thrown, 'loading socket files', hooks)
			);
		};
	}

	trackUpgradeResponses(io);
	io.use(middleware);
	io.on('connection', (socket) => {
		socket.on(JOIN, onJoin);
		socket.on(LEAVE, onLeave);
		socket.on(CALL, onCall);
	});

	return {
		io,
		async shutdown({ timeout = 30_000 } = {}) {
			accepting = false;
			const deadline = Date.now() + timeout;
			while (calls.pendingCalls() > 0 && Date.now() < deadline) {
				await new Promise((resolve) => setTimeout(resolve, 20));
			}
			eventSinks.delete(sink);
			io.disconnectSockets(true);
		},
		close: () =>
			new Promise<void>((resolve) => {
				eventSinks.delete(sink);
				void io.close(() => resolve());
			})
	};
}
