import { randomUUID } from 'node:crypto';
import type { ErrorBody } from '../../shared/protocol.js';
import { settle } from '../support/promise-or-value.js';
import { expectedErrorBody } from './socket-error.js';
import type { HandleSocketError, SocketEvent } from './types.js';
import { consoleLogger, writeLog, type LiveLogger } from '../telemetry/live-logger.js';

// The one path from "something was thrown" to "the caller got a safe body": the
// socket hook, joins, calls, the dev loader and every refusal (unknown rooms and calls,
// the packet gate's, the limits') end here.

/** Where a failure happened, for the log line. */
export interface FailureSite {
	/** e.g. `call rooms/[roomId]/chat#send`, `join rooms/[roomId]/chat`, `socket hook` */
	label: string;
	event: SocketEvent | undefined;
	handleError: HandleSocketError | undefined;
	/** Where the line goes (the `logger` option); the console when unset. */
	logger?: LiveLogger;
	/** The connection and the route concerned, for the log line. */
	connectionId?: string;
	route?: string;
}

/** The site of a refusal: always an expected error, so nothing is logged or shaped. */
export const REFUSAL_SITE: FailureSite = Object.freeze({ label: 'refusal', event: undefined, handleError: undefined });

/**
 * Turns anything thrown by a hook, join or call into the body the caller may see.
 * Expected errors (ours and SvelteKit's) pass through; anything else becomes 500 with a
 * fresh id, and the stack is logged under that id so an operator can find it from a
 * user's report.
 */
export function toErrorBody(thrown: unknown, site: FailureSite): ErrorBody | Promise<ErrorBody> {
	const expected = expectedErrorBody(thrown);
	if (expected) return expected;

	const id = randomUUID();
	const logger = site.logger ?? consoleLogger;
	writeLog(logger, 'error', { connectionId: site.connectionId, route: site.route, errorId: id, err: thrown }, `${site.label} failed`);

	const fallback: ErrorBody = { status: 500, message: 'Internal Error', id };
	if (!site.handleError) return fallback;

	// handleError may shape the body, but status and id stay ours so the log still matches.
	return Promise.resolve()
		.then(() => site.handleError!({ error: thrown, event: site.event, id }))
		.then(
			(shaped) => (shaped && typeof shaped === 'object' ? { message: 'Internal Error', ...shaped, status: 500, id } : fallback),
			(handlerFailure: unknown) => {
				writeLog(logger, 'error', { connectionId: site.connectionId, route: site.route, errorId: id, err: handlerFailure }, 'handleError threw');
				return fallback;
			}
		);
}

/**
 * Answers a caller with the safe body of what was thrown. `answer` is an acknowledgement
 * or a handshake refusal; if it throws (the connection is gone, the body would not encode)
 * that is logged and swallowed, because nothing may throw out of a Socket.IO callback.
 */
export function replyError(answer: (body: ErrorBody) => void, thrown: unknown, site: FailureSite): void {
	settle(toErrorBody(thrown, site), (body) => safely(answer, body, site.label), () => {});
}

/**
 * Calls an acknowledgement, never letting it throw into Socket.IO. A body that fails to go
 * (`handleError` shaped it with a value that does not encode, a BigInt, a throwing
 * `toJSON`) is replaced by the bare `{ status: 500, message, id }`, so the caller is still
 * answered; only a connection already gone leaves it unanswered.
 */
function safely(answer: (body: ErrorBody) => void, body: ErrorBody, label: string): void {
	try {
		answer(body);
	} catch (thrown) {
		const id = typeof body.id === 'string' ? body.id : randomUUID();
		console.error(`[liverpc] ${label}: the error reply could not be sent, error id ${id}:`, thrown);
		try {
			answer({ status: 500, message: 'Internal Error', id });
		} catch (again) {
			console.error(`[liverpc] ${label}: not even the bare error reply could be sent, error id ${id}:`, again);
		}
	}
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a listener's `this` is its socket, whatever its type
type Listener = (this: any, ...args: any[]) => void;

/**
 * A Socket.IO listener that cannot throw into Socket.IO: a throw there is uncaught (it
 * runs in a `nextTick`) and stops the process. Every listener already answers its own
 * errors; this is the net under a bug in LiveRPC itself. The arguments pass through as
 * they came, their count included (listeners find the ack last): the packet gate lets no
 * event through with more than a call's six and its ack.
 */
export function neverThrows<L extends Listener>(label: string, listener: L): L {
	return function (this: unknown) {
		try {
			// eslint-disable-next-line prefer-rest-params -- a pass-through, no array made
			listener.apply(this, arguments as unknown as unknown[]);
		} catch (thrown) {
			console.error(`[liverpc] ${label} threw, error id ${randomUUID()}:`, thrown);
		}
	} as L;
}
