import type { Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { ServerOptions } from 'socket.io';
import { registerContracts, type ContractModule } from './contract/contract-registry.js';
import { resolveOptions, type LiveOptions } from './options/live-options.js';
import { createLiveServer, type LiveServer } from './live-server.js';
import type { SocketHook } from './gate/socket-hook.js';
import type { HandleSocketError } from './contract/types.js';

export type { LiveServer };

/**
 * Options of {@link attach}: the app's socket files, plus the same {@link LiveOptions}
 * (origins, proxy headers, limits) that `src/hooks.socket.ts` exports as `options`.
 *
 * @example
 * ```ts
 * const options: AttachOptions = {
 *   handle,
 *   contracts: { 'rooms/[roomId]/chat': chat },
 *   origin: process.env.ORIGIN,
 *   limits: { callsPerSecond: 20 }
 * };
 * ```
 */
export interface AttachOptions extends LiveOptions {
	/** The socket hook, as made by `handleSocket`; without one every connection gets `{}` as locals. */
	handle?: SocketHook;
	/** Shapes the safe body of unexpected errors. */
	handleError?: HandleSocketError;
	/** Room contracts by route id: `{ 'rooms/[roomId]/chat': await import('./chat.socket.js') }`. */
	contracts: Record<string, ContractModule>;
	/** Where Socket.IO listens; the client must use the same. Default `/_liverpc`. */
	path?: string;
	/**
	 * Passed to the Socket.IO server as they are, after LiveRPC's own defaults. A `parser`
	 * is wrapped by LiveRPC's packet checks and an `allowRequest` runs after its Origin check.
	 */
	socket?: Partial<ServerOptions>;
}

/**
 * Serves room contracts over Socket.IO on an existing Node HTTP server: the way to run
 * LiveRPC from a custom server or a test. Other `upgrade` listeners on the server (Vite's
 * HMR socket, your own) keep working. Throws at once on an option it cannot use.
 *
 * @example
 * ```ts
 * import http from 'node:http';
 * import { attach } from 'liverpc/node';
 * import { handle } from './hooks.socket.js';
 * import * as chat from './routes/rooms/[roomId]/chat.socket.js';
 *
 * const server = http.createServer();
 * attach(server, { handle, contracts: { 'rooms/[roomId]/chat': chat }, origin: process.env.ORIGIN });
 * server.listen(3000);
 * ```
 */
export function attach(httpServer: HttpServer | HttpsServer, options: AttachOptions): LiveServer {
	if (!options || typeof options.contracts !== 'object' || options.contracts === null) {
		throw new TypeError('attach(server, { contracts }) needs the room contracts by route id');
	}
	const { handle, handleError, contracts, path, socket, ...liveOptions } = options;
	return createLiveServer(httpServer, {
		hooks: { handle, handleError },
		contracts: registerContracts(contracts),
		options: resolveOptions(liveOptions),
		path,
		socket
	});
}
