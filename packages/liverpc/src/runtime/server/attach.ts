import type { Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { ServerOptions } from 'socket.io';
import { registerContracts, type ContractModule } from './contract-registry.js';
import { createLiveServer, type LiveServer } from './live-server.js';
import type { SocketHook } from './socket-hook.js';
import type { HandleSocketError } from './types.js';

export type { LiveServer };

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
	/**
	 * The app's public origin, as adapter-node's `ORIGIN` (`https://chat.example.com`): the
	 * hook's `url` and `request` use it. Without it they use the handshake's Host header.
	 */
	origin?: string;
	/** Where Socket.IO listens; the client must use the same. Default `/_liverpc`. */
	path?: string;
	/** Passed to the Socket.IO server as they are, after LiveRPC's own defaults. */
	socket?: Partial<ServerOptions>;
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
	return createLiveServer(httpServer, {
		hooks: { handle: options.handle, handleError: options.handleError },
		contracts: registerContracts(options.contracts),
		origin: options.origin,
		path: options.path,
		socket: options.socket
	});
}
