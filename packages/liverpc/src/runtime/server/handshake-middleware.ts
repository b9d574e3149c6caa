import type { ExtendedError, Socket } from 'socket.io';
import type { ConnectionData } from './connection-state.js';
import { settle } from './settle.js';
import { assertHookResult, toSocketHookInput, type SocketHook } from './socket-hook.js';
import type { HandleSocketError } from './types.js';
import { toErrorBody } from './unexpected-error.js';

/**
 * Where a handshake becomes `locals`: a Socket.IO middleware that runs the socket hook on
 * every handshake, reconnects included, and keeps only what the hook returned as `locals`.
 * A hook that throws refuses the connection; the client receives the safe error body as
 * `connect_error`'s `data`.
 */
export function createHandshakeMiddleware(hook: SocketHook | undefined, handleError: HandleSocketError | undefined) {
	return (socket: Socket, next: (err?: ExtendedError) => void): void => {
		const refuse = (thrown: unknown) =>
			settle(
				toErrorBody(thrown, { label: 'socket hook', event: undefined, handleError }),
				(body) => next(Object.assign(new Error(body.message), { data: body })),
				() => {}
			);

		if (!hook) {
			(socket.data as ConnectionData) = { locals: {} };
			return next();
		}
		let result: unknown;
		try {
			result = hook(toSocketHookInput(socket));
		} catch (thrown) {
			return refuse(thrown);
		}
		settle(
			result,
			(resolved) => {
				try {
					assertHookResult(resolved);
				} catch (thrown) {
					return refuse(thrown);
				}
				(socket.data as ConnectionData) = { locals: resolved.locals };
				next();
			},
			refuse
		);
	};
}
