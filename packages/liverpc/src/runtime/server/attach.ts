import type { Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import { Server, type ServerOptions } from 'socket.io';
import { CALL, DEFAULT_PATH, EVENT, JOIN, LEAVE } from '../shared/protocol.js';
import { createCallListener } from './call-dispatch.js';
import { registerContracts, unregisterContracts, type ContractModule } from './contract-registry.js';
import type { EventSink } from './event.js';
import { createHandshakeMiddleware } from './handshake-middleware.js';
import { trackUpgradeResponses } from './handshake-release.js';
import { createMembershipListeners } from './room-membership.js';
import type { SocketHook } from './socket-hook.js';
import type { HandleSocketError } from './types.js';

/**
 * Options of {@link attach}.
 *
 * @example
 * ```ts
 * const options: AttachOptions = { handle, handleError, contracts: { 'rooms/[roomId]/chat': chat } };
 * ```
 */
export interface AttachOptions {
	/** The socket hook, as made by `handleSocket`; without one every connection gets `{}` as locals. */
	handle?: SocketHook;
	/** Shapes the safe body of unexpected errors (see SPEC §3). */
	handleError?: HandleSocketError;
	/** Room contracts by route id: `{ 'rooms/[roomId]/chat': await import('./chat.socket.js') }`. */
	contracts: Record<string, ContractModule>;
	/** Where Socket.IO listens; the client must use the same. Default `/_liverpc`. */
	path?: string;
	/** Passed to the Socket.IO server as they are, after LiveRPC's own defaults. */
	socket?: Partial<ServerOptions>;
}

/**
 * A running LiveRPC server.
 *
 * @example
 * ```ts
 * const live = attach(server, { contracts });
 * process.on('SIGTERM', () => live.close());
 * ```
 */
export interface LiveServer {
	/** The underlying Socket.IO server, for what LiveRPC does not cover yet. */
	io: Server;
	/** Disconnects every client and closes Socket.IO together with its HTTP server. */
	close(): Promise<void>;
}

/**
 * Serves room contracts over Socket.IO on an existing Node HTTP server: the way to run
 * LiveRPC from a custom server or a test. Other `upgrade` listeners on the server (Vite's
 * HMR socket, your own) keep working.
 *
 * @example
 * ```ts
 * import http from 'node:http';
 * import { attach } from 'liverpc/node';
 * import { handle } from './hooks.socket.js';
 * import * as chat from './routes/rooms/[roomId]/chat.socket.js';
 *
 * const server = http.createServer();
 * attach(server, { handle, contracts: { 'rooms/[roomId]/chat': chat } });
 * server.listen(3000);
 * ```
 */
export function attach(httpServer: HttpServer | HttpsServer, options: AttachOptions): LiveServer {
	if (!options || typeof options.contracts !== 'object' || options.contracts === null) {
		throw new TypeError('attach(server, { contracts }) needs the room contracts by route id');
	}
	const io = new Server(httpServer, {
		path: options.path ?? DEFAULT_PATH,
		serveClient: false,
		// Websocket first: polling stays available for networks that block upgrades.
		transports: ['websocket', 'polling'],
		// Leave other upgrade requests to their own listeners (Vite HMR in dev).
		destroyUpgrade: false,
		...options.socket
	});

	const sink: EventSink = (key, name, payload) => {
		io.to(key).emit(EVENT, key, name, payload);
	};
	const contracts = registerContracts(options.contracts, sink);
	const { onJoin, onLeave } = createMembershipListeners(contracts, options.handleError);
	const onCall = createCallListener(options.handleError);

	trackUpgradeResponses(io);
	io.use(createHandshakeMiddleware(options.handle, options.handleError));
	io.on('connection', (socket) => {
		socket.on(JOIN, onJoin);
		socket.on(LEAVE, onLeave);
		socket.on(CALL, onCall);
	});

	return {
		io,
		close: () =>
			new Promise<void>((resolve) => {
				unregisterContracts(contracts, sink);
				void io.close(() => resolve());
			})
	};
}
