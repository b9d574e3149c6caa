import type { IncomingMessage } from 'node:http';
import type { Server, Socket } from 'socket.io';

// Memory per idle connection: once the socket hook has read the handshake,
// LiveRPC lets go of the HTTP upgrade request. Engine.IO 6.6 keeps it reachable twice for
// the life of a connection: as `conn.request`, and through the `WebSocketResponse` whose
// `req` it holds, itself held by a 'close' listener on the TCP socket. Releasing both
// saved about 2 KB of heap per idle connection in `npm run bench` (BENCHMARKS.md).

const UPGRADE_RESPONSE = Symbol('liverpc.upgradeResponse');

type EngineRequest = IncomingMessage & { [UPGRADE_RESPONSE]?: { req?: unknown } };

/** Notes each request's response object, so the request can be unlinked from it later. */
export function trackUpgradeResponses(io: Server): void {
	io.engine.use((req: EngineRequest, res: { req?: unknown }, next: () => void) => {
		if (res.req === req) req[UPGRADE_RESPONSE] = res; // only the WebSocketResponse has `req`
		next();
	});
}

/**
 * Drops the connection's references to its handshake request once the hook has run: the
 * hook is the only reader (its input was built from `socket.handshake`), and Socket.IO
 * only reads the request when a namespace socket is created, which has happened by now.
 */
export function releaseHandshakeRequest(socket: Socket): void {
	const conn = socket.conn as unknown as { request: EngineRequest | null };
	const request = conn.request;
	if (!request) return;
	const response = request[UPGRADE_RESPONSE];
	if (response) {
		response.req = undefined;
		request[UPGRADE_RESPONSE] = undefined;
	}
	conn.request = null;
	// The hook has seen the headers; nothing after it may read them (handlers see
	// only locals), so do not keep the cookie header and the rest alive per connection.
	socket.handshake.headers = {};
	socket.handshake.auth = {};
}
