import type { ErrorBody, ValidationIssue } from '../shared/protocol.js';

/**
 * What a failed call rejects with: an `Error` that carries the server's safe body, so
 * `err.status` and `err.message` are the `{ status, message }` the server answered with.
 *
 * @example
 * ```ts
 * try { await room.send({ text }); }
 * catch (err) { if (err instanceof LiveError && err.status === 400) showIssues(err.issues); }
 * ```
 */
export class LiveError extends Error {
	readonly status: number;
	/** Set on 500s: the id the server logged the stack under. */
	readonly id: string | undefined;
	/** Set on 400s from a schema. */
	readonly issues: ValidationIssue[] | undefined;
	/** The whole body the server sent, with any fields `handleError` added. */
	readonly body: ErrorBody;

	constructor(body: ErrorBody) {
		super(body.message);
		this.name = 'LiveError';
		this.status = body.status;
		this.id = body.id;
		this.issues = body.issues;
		this.body = body;
	}
}

/** Bodies for failures the client finds on its own side. */
export const CLIENT_ERRORS = {
	notJoinedInTime: { status: 504, message: 'The room was not joined in time; the call was not sent' },
	noReply: { status: 504, message: 'The connection was lost before the reply and the room was not joined again in time; the call may have run' },
	noAnswer: { status: 504, message: 'The server did not answer the call in time (callTimeout); the call may have run' },
	tooManyHeld: { status: 429, message: 'Too many calls waiting for the room to be joined' },
	closed: { status: 410, message: 'This room handle was left' },
	serverRendering: { status: 503, message: 'Rooms do not connect during server-side rendering' },
	notJoined: { status: 503, message: 'The room is not joined: older events can be loaded once it is' },
	historyLost: { status: 503, message: 'The connection was lost before the older events came' },
	malformedHistory: { status: 500, message: 'Malformed history reply' }
} satisfies Record<string, ErrorBody>;
