import type { ExtendedError, Socket } from 'socket.io';
import type { ErrorBody } from '../shared/protocol.js';
import type { ConnectionData } from './connection-state.js';
import { releaseHandshakeRequest } from './handshake-release.js';
import { isThenable, settle } from './promise-or-value.js';
import { assertHookResult, HandshakeInput, type SocketHooks } from './socket-hook.js';
import { toErrorBody } from './unexpected-error.js';

/**
 * Where a handshake becomes `locals`: a Socket.IO middleware that runs the socket hook on
 * every handshake, reconnects included, and keeps only what the hook returned as `locals`.
 * A hook that throws refuses the connection; the client receives the safe error body as
 * `connect_error`'s `data`.
 *
 * @param hooks read on every handshake (the dev server swaps them on edit)
 * @param origin the app's public origin, for the hook's `url` and `request`
 */
export function createHandshakeMiddleware(hooks: SocketHooks, origin: string | undefined) {
	const refuse = (next: HandshakeNext, thrown: unknown) => refuseHandshake(next, thrown, 'socket hook', hooks);

	const accept = (socket: Socket, next: HandshakeNext, resolved: unknown) => {
		try {
			assertHookResult(resolved);
		} catch (thrown) {
			return refuse(next, thrown);
		}
		(socket.data as ConnectionData) = { locals: resolved.locals };
		releaseHandshakeRequest(socket);
		next();
	};

	return (socket: Socket, next: HandshakeNext): void => {
		const hook = hooks.handle;
		if (!hook) return accept(socket, next, { locals: {} });
		let result: unknown;
		try {
			result = hook(new HandshakeInput(socket.handshake, origin));
		} catch (thrown) {
			return refuse(next, thrown);
		}
		// A synchronous hook costs no closure or promise here: this runs on every handshake.
		if (isThenable(result)) {
			result.then(
				(resolved) => accept(socket, next, resolved),
				(thrown: unknown) => refuse(next, thrown)
			);
		} else {
			accept(socket, next, result);
		}
	};
}

/** The callback a Socket.IO middleware ends with: nothing to admit, an error to refuse. */
export type HandshakeNext = (err?: ExtendedError) => void;

/** The error that refuses a handshake; the client reads `body` as `connect_error`'s `data`. */
export function handshakeRefusal(body: ErrorBody): ExtendedError {
	return Object.assign(new Error(body.message), { data: body });
}

/** Refuses a handshake with the safe body of what was thrown (logged with an id if unexpected). */
export function refuseHandshake(next: HandshakeNext, thrown: unknown, label: string, hooks: SocketHooks): void {
	settle(
		toErrorBody(thrown, { label, event: undefined, handleError: hooks.handleError }),
		(body) => next(handshakeRefusal(body)),
		() => {}
	);
}
