/**
 * The wire between `liverpc/client` and the server: four Socket.IO event names and the
 * shape of an acknowledgement. Names are one letter because every room event carries one
 * on every delivery (issue #4 measures bytes per fan-out).
 *
 * client → server  JOIN  (route id, params, ack)            ack(error) | ack(null, { room, ref, reply })
 * client → server  LEAVE (ref)
 * client → server  CALL  (ref, call name, input, ack)        ack(error) | ack(null, output)
 * server → client  EVENT (room key, event name, payload)
 *
 * `room` is the Socket.IO room key events are addressed with; `ref` is a small number
 * naming the membership on this connection, so a call does not resend the key (#4).
 */
export const JOIN = 'j';
export const LEAVE = 'l';
export const CALL = 'c';
export const EVENT = 'e';

/** Socket.IO mount path shared by the server and the client unless configured. */
export const DEFAULT_PATH = '/_liverpc';

/**
 * One problem found by a call's schema: where it is and what is wrong, never the value.
 *
 * @example
 * ```ts
 * const issue: ValidationIssue = { path: ['tags', 1], message: 'Expected string' };
 * ```
 */
export interface ValidationIssue {
	path: Array<string | number>;
	message: string;
}

/**
 * What a caller learns about any failure: an HTTP-like status and a message safe to show.
 * `id` is set for unexpected (500) errors and matches the server log line; `issues` for 400s
 * raised by a schema.
 *
 * @example
 * ```svelte
 * {#if room.error}<p role="alert">{room.error.status}: {room.error.message}</p>{/if}
 * ```
 */
export interface ErrorBody {
	status: number;
	message: string;
	id?: string;
	issues?: ValidationIssue[];
	[key: string]: unknown;
}

/** What a successful JOIN acknowledges: the room key, the membership's ref, the join reply. */
export interface JoinAck {
	room: string;
	ref: number;
	reply: unknown;
}

/** Narrows an unknown acknowledgement argument to an {@link ErrorBody}. */
export function isErrorBody(value: unknown): value is ErrorBody {
	return (
		typeof value === 'object' &&
		value !== null &&
		typeof (value as ErrorBody).status === 'number' &&
		typeof (value as ErrorBody).message === 'string'
	);
}
