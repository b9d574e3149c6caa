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
import type { Span } from '@opentelemetry/api';
import { expectedErrorBody } from '../contract/socket-error.js';
import type { ServerTelemetry } from '../telemetry/server-telemetry.js';
import { endStep, endWithStatus, startServerSpan, startStepSpan, tracing, withSpan } from '../telemetry/live-tracing.js';

/**
 * Where a handshake becomes `locals`: a Socket.IO middleware that runs the socket hook on
 * every handshake, reconnects included, and keeps only what the hook returned as `locals`.
 * A hook that throws refuses the connection; the client receives the safe error body as
 * `connect_error`'s `data`.
 *
 * @param hooks read on every handshake (the dev server swaps them on edit)
 * @param inspectLocals the dev server's check of what the hook returned; unset in production
 */
export function createHandshakeMiddleware(hooks: SocketHooks, settings: LiveSettings, telemetry: ServerTelemetry, inspectLocals?: (locals: App.SocketLocals) => void) {
	const refuse = (socket: Socket, next: HandshakeNext, thrown: unknown, label: string, span: Span | undefined) => {
		refuseHandshake(socket, next, thrown, label, hooks, telemetry);
		if (span) endWithStatus(span, expectedErrorBody(thrown)?.status ?? 500, thrown);
	};
	const accept = (socket: Socket, next: HandshakeNext, resolved: unknown, ticket: number, span: Span | undefined) => {
		try {
			assertHookResult(resolved);
		} catch (thrown) {
			return refuse(socket, next, thrown, 'socket hook', span);
		}
		let keys: string[] | undefined;
		let expires: number | undefined;
		try {
			keys = readHookKeys(resolved.keys ?? settings.options.keys?.(resolved.locals));
			expires = readHookExpires(resolved.expires);
		} catch (thrown) {
			return refuse(socket, next, thrown, 'socket hook', span);
		}
		// A revoke() while the hook ran: what it read may be what was revoked.
		if (revokedSince(ticket, keys)) return refuse(socket, next, SESSION_CHANGED, 'socket hook', span);
		(socket.data as ConnectionData) = keys ? { locals: resolved.locals, keys } : { locals: resolved.locals };
		inspectLocals?.(resolved.locals);
		// The client's key for its call numbers is all LiveRPC reads of `auth`: read now, the
		// rest let go with the request, so a large `auth` costs nothing past the hook.
		clientKeyOf(socket);
		// Until when these locals hold, and the little a re-check needs then.
		if (hooks.handle) keepForRecheck(socket, expires, settings.options);
		releaseHandshakeRequest(socket);
		next();
		if (span) endWithStatus(span, 200);
	};

	return (socket: Socket, next: HandshakeNext): void => {
		// Refused before the hook runs: the packet gate let the oversized auth go unparsed.
		if (budgetOf(socket).authTooLarge) return refuseHandshake(socket, next, AUTH_TOO_LARGE, 'handshake', hooks, telemetry);
		// An SDK registered after the server started is used from the next connection on.
		telemetry.metrics.refresh();
		const span = tracing() ? startServerSpan('handshake', 'handshake') : undefined;
		const hook = hooks.handle;
		const ticket = revocationTicket();
		if (!hook) return accept(socket, next, { locals: {} }, ticket, span);
		let result: unknown;
		const step = span && startStepSpan('socket hook', span);
		try {
			const input = new HandshakeInput(socket.handshake, settings.options);
			result = step ? withSpan(step, () => hook(input)) : hook(input);
		} catch (thrown) {
			if (step) endStep(step, thrown);
			return refuse(socket, next, thrown, 'socket hook', span);
		}
		// A synchronous hook costs no closure or promise here: this runs on every handshake.
		if (isThenable(result)) {
			result.then(
				(resolved) => {
					if (step) endStep(step);
					accept(socket, next, resolved, ticket, span);
				},
				(thrown: unknown) => {
					if (step) endStep(step, thrown);
					refuse(socket, next, thrown, 'socket hook', span);
				}
			);
		} else {
			if (step) endStep(step);
			accept(socket, next, result, ticket, span);
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
export function refuseHandshake(socket: Socket, next: HandshakeNext, thrown: unknown, label: string, hooks: SocketHooks, telemetry: ServerTelemetry): void {
	const status = expectedErrorBody(thrown)?.status ?? 500;
	const reason = thrown === AUTH_TOO_LARGE ? 'auth-too-large' : label === 'socket hook' ? `hook-${status}` : label === 'shutdown' ? 'shutdown' : `${label.replaceAll(' ', '-')}-${status}`;
	// A 500 is logged with its id by replyError; a refusal the hook chose is counted, and logged now and then.
	// The hook's own 4xx (a signed-out visitor) is routine: info; LiveRPC's refusals warn.
	if (status < 500) telemetry.handshakeRefused(reason, label === 'socket hook' ? 'info' : 'warn', { connectionId: socket.id }, `refused a handshake with ${status}`);
	else telemetry.metrics.handshakesRefused.add(1, { reason });
	replyError(
		(body: ErrorBody) => {
			budgetOf(socket).socketOpen = false;
			next(Object.assign(new Error(body.message), { data: body }));
		},
		thrown,
		{ label, event: undefined, handleError: hooks.handleError, logger: telemetry.logger, connectionId: socket.id }
	);
}
