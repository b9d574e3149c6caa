import { randomUUID } from 'node:crypto';
import type { ErrorBody } from '../shared/protocol.js';
import { isSocketError } from './socket-error.js';
import type { HandleSocketError, SocketEvent } from './types.js';

/** Where a failure happened, for the log line. */
export interface FailureSite {
	/** e.g. `call rooms/[roomId]/chat#send`, `join rooms/[roomId]/chat`, `socket hook` */
	label: string;
	event: SocketEvent | undefined;
	handleError: HandleSocketError | undefined;
}

/**
 * Turns anything thrown by a hook, join or call into the body the caller may see.
 * Expected errors pass through; anything else becomes 500 with a fresh id, and the stack
 * is logged under that id so an operator can find it from a user's report (SPEC §3).
 */
export function toErrorBody(thrown: unknown, site: FailureSite): ErrorBody | Promise<ErrorBody> {
	if (isSocketError(thrown)) return thrown.body;

	const id = randomUUID();
	console.error(`[liverpc] ${site.label} failed, error id ${id}:`, thrown);

	const fallback: ErrorBody = { status: 500, message: 'Internal Error', id };
	if (!site.handleError) return fallback;

	// handleError may shape the body, but status and id stay ours so the log still matches.
	return Promise.resolve()
		.then(() => site.handleError!({ error: thrown, event: site.event, id }))
		.then(
			(shaped) => (shaped && typeof shaped === 'object' ? { message: 'Internal Error', ...shaped, status: 500, id } : fallback),
			(handlerFailure: unknown) => {
				console.error(`[liverpc] handleError threw while handling error id ${id}:`, handlerFailure);
				return fallback;
			}
		);
}
