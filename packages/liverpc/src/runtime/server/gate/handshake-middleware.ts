import type { ExtendedError, Socket } from 'socket.io';
import type { ErrorBody } from '../../shared/protocol.js';
import type { ConnectionData } from './connection-state.js';
import { replyError } from '../contract/error-reply.js';
import { releaseHandshakeRequest } from './handshake-release.js';
import type { LiveSettings } from '../options/live-options.js';
import { budgetOf } from './packet-gate.js';
import { isThenable } from '../support/promise-or-value.js';
import { readHookKeys, revocationTicket, revokedSince } from '../contract/revocation.js';
import { clientKeyOf } from './client-key.js';
import { keepForRecheck, readHookExpires } from './connection-lifetime.js';
import { SocketError } from '../contract/socket-error.js';
import { assertHookResult, HandshakeInput, type SocketHooks } from './socket-hook.js';

/**
 * Where a handshake becomes `locals`: a Socket.IO middleware that runs the socket hook on
 * every handshake, reconnects included, and keeps only what the hook returned as `locals`.
 * A hook that throws refuses the connection; the client receives the safe error body as
 * `connect_error`'s `data`.
 *
 * @param hooks read on every handshake (the dev server swaps them on edit)
 * @param inspectLocals the dev server's check of what the hook returned; unset in production
 */
export function createHandshakeMiddleware(hooks: SocketHooks, settings: LiveSettings, inspectLocals?: (locals: App.SocketLocals) => void) {
	const accept = (socket: Socket, next: HandshakeNext, resolved: unknown, ticket: number) => {
		try {
			assertHookResult(resolved);
		} catch (thrown) {
			return refuseHandshake(socket, next, thrown, 'socket hook', hooks);
		}
		let keys: string[] | undefined;
		let expires: number | undefined;
		try {
			keys = readHookKeys(resolved.keys ?? settings.options.keys?.(resolved.locals));
			expires = readHookExpires(resolved.expires);
		} catch (thrown) {
			return refuseHandshake(socket, next, thrown, 'socket hook', hooks);
		}
		// A revoke() while the hook ran: what it read may be what was revoked.
		if (revokedSince(ticket, keys)) return refuseHandshake(socket, next, SESSION_CHANGED, 'socket hook', hooks);
		(socket.data as ConnectionData) = keys ? { locals: resolved.locals, keys } : { locals: resolved.locals };
		inspectLocals?.(resolved.locals);
		// The client's key for its call numbers is all LiveRPC reads of `auth`: read now, the
		// rest let go with the request, so a large `auth` costs nothing past the hook.
		clientKeyOf(socket);
		// Until when these locals hold, and the little a re-check needs then.
		if (hooks.handle) keepForRecheck(socket, expires, settings.options);
		releaseHandshakeRequest(socket);
		next();
	};

	return (socket: Socket, next: HandshakeNext): void => {
		// Refused before the hook runs: the packet gate let the oversized auth go unparsed.
		if (budgetOf(socket).authTooLarge) return refuseHandshake(socket, next, AUTH_TOO_LARGE, 'handshake', hooks);
		const hook = hooks.handle;
		const ticket = revocationTicket();
		if (!hook) return accept(socket, next, { locals: {} }, ticket);
		let result: unknown;
		try {
			result = hook(new HandshakeInput(socket.handshake, settings.options));
		} catch (thrown) {
			return refuseHandshake(socket, next, thrown, 'socket hook', hooks);
		}
		// A synchronous hook costs no closure or promise here: this runs on every handshake.
		if (isThenable(result)) {
			result.then(
				(resolved) => accept(socket, next, resolved, ticket),
				(thrown: unknown) => refuseHandshake(socket, next, thrown, 'socket hook', hooks)
			);
		} else {
			accept(socket, next, result, ticket);
		}
	};
}

const AUTH_TOO_LARGE = new SocketError(413, 'Handshake auth too large');

// 503, so the client tries again at once with a fresh hook run.
const SESSION_CHANGED = new SocketError(503, 'The session changed while connecting; connecting again');

/** The callback a Socket.IO middleware ends with: nothing to admit, an error to refuse. */
export type HandshakeNext = (err?: ExtendedError) => void;

/**
 * Refuses a handshake with the safe body of what was thrown (logged with an id if
 * unexpected), and frees the connection for its next attempt.
 */
export function refuseHandshake(socket: Socket, next: HandshakeNext, thrown: unknown, label: string, hooks: SocketHooks): void {
	replyError(
		(body: ErrorBody) => {
			budgetOf(socket).socketOpen = false;
			next(Object.assign(new Error(body.message), { data: body }));
		},
		thrown,
		{ label, event: undefined, handleError: hooks.handleError }
	);
}
