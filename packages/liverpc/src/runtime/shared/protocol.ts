/**
 * The wire between `liverpc/client` and the server: its Socket.IO event names and the
 * shape of an acknowledgement. Names are one letter because every room event carries one
 * on every delivery: a byte saved here is saved once per member.
 *
 * client → server  JOIN  (route id, params, resume, ack)           ack(error) | ack(null, JoinAck)
 * client → server  LEAVE (ref)
 * client → server  CALL  (ref, call name, input, call number, answered below[, RESENT], ack)   ack(error) | ack(null, output)
 * client → server  HISTORY (ref, event name, before, limit, ack)   ack(error) | ack(null, HistoryPage)
 * server → client  EVENT (room key, event name, payload, seq[, id])
 * server → client  RESYNC (room key)   that room's log restarted: re-join from the position
 * server → client  ENDED (room key, error body)   the membership ended: its guard refused the re-checked locals
 *
 * `room` is the Socket.IO room key events are addressed with; `ref` is a small number
 * naming the membership on this connection, so a call does not resend the key.
 *
 * Delivery guarantees: every event of a room has a `seq` in its room's log, so a
 * member knows its position and, on a re-join, sends it as `resume` (`[epoch, seq,
 * lastEventIds?]`, null on a first join). Scaled out, the seq is the room's offset in Redis,
 * the same on every process. The join ack carries, in one packet, what the
 * member missed (from the server's buffer or the event's `history`), so nothing is lost or
 * doubled between the join reply and the live events after it. A call number, unique per
 * client (its key goes in the handshake's `auth`), lets a call whose ack was lost in a
 * disconnect be sent again without running twice; "answered below" is the number below
 * which the client has every answer, so the server forgets those at once. A copy sent after
 * a reconnect is marked {@link RESENT}: scaled out, it may land on another process than the
 * first, which then asks the others before running it.
 */
export const JOIN = 'j';
export const LEAVE = 'l';
export const CALL = 'c';
/**
 * Client → server: a page of a joined room's older events of one kind, those before the
 * event id `before`, from that event's `history`. Counted against the connection's calls.
 */
export const HISTORY = 'h';
export const EVENT = 'e';
/** The mark of a call the client sent on an earlier connection too. */
export const RESENT = 1;
/** Server → members: who is in the room changed: the room key, upserted rows, removed ids. */
export const PRESENCE = 'p';
/**
 * Server → client, with a room key: that room's log restarted (scaled out, Redis lost it, or
 * trimmed what this process had not heard yet). Re-join it from its position: the new log
 * does not cover it, so the gap is filled from the events' `history`.
 */
export const RESYNC = 'r';

/**
 * Server → client, with a room key and an error body: the connection's locals were checked
 * again (their `expires` or `localsMaxAge` came) and the room's join guard, or
 * the socket hook, now refuses them. The membership has ended on the server; the room shows
 * the refusal as a refused join would.
 */
export const ENDED = 'x';

/** Socket.IO mount path shared by the server and the client unless configured. */
export const DEFAULT_PATH = '/_liverpc';

/**
 * The socket path of an app served under SvelteKit's `paths.base` (e.g. `/app`): the default
 * path under that base, so a proxy that forwards only `/app/*` forwards the sockets too.
 */
export function socketPathFor(base: string): string {
	return base ? `${base}${DEFAULT_PATH}` : DEFAULT_PATH;
}

/**
 * The global through which the browser's contract stubs tell the tab's client the socket
 * path when the app has a `paths.base`. Stubs are evaluated when a page imports them, before
 * any component asks for the tab's client.
 */
export const SOCKET_PATH_GLOBAL = 'liverpc.path';

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
export interface ErrorBody extends App.SocketErrorBody {
	status: number;
	message: string;
	id?: string;
	issues?: ValidationIssue[];
}

declare global {
	namespace App {
		/**
		 * More fields of every error body a page receives (`room.error`, `LiveError.body`),
		 * as SvelteKit's `App.Error` adds fields to its errors. Declare them in `src/app.d.ts`;
		 * `handleError` in `src/hooks.socket.ts` returns them. Without a declaration an error
		 * body has only `status`, `message`, `id` and `issues`, so a misspelled field is a
		 * compile error.
		 *
		 * @example
		 * ```ts
		 * declare global {
		 *   namespace App {
		 *     interface SocketErrorBody { code?: string }
		 *   }
		 * }
		 * ```
		 */
		interface SocketErrorBody {}
	}
}

/** One event delivered inside a join ack: name, payload, seq in the log (0: from `history`), id. */
export type JoinEvent = [name: string, payload: unknown, seq: number, id?: string | number];

/**
 * What a successful JOIN acknowledges: the room key, the membership's ref, the join reply,
 * the member's new position in the room's log, whether the gap since its last membership
 * was filled, and the events it gets before any live one.
 */
export interface JoinAck {
	room: string;
	ref: number;
	reply: unknown;
	log: [epoch: string, seq: number];
	resumed: boolean;
	events: JoinEvent[];
	/** Who is in the room, the joiner included, when its contract has a `presence` export. */
	presence?: PresenceRow[];
}

/**
 * What a HISTORY request is answered with: at most `limit` events older than `before`,
 * oldest first, each with its id, and whether the store has older ones still.
 */
export interface HistoryPage {
	events: Array<[payload: unknown, id: string | number]>;
	more: boolean;
}

/** One presence entry on the wire: its id, what `presence()` built, and its connection count. */
export type PresenceRow = [id: string, entry: unknown, connections: number];

/** The handshake `auth` field holding the client's key for call numbers. */
export const CLIENT_KEY = 'k';

/** Narrows an unknown acknowledgement argument to an {@link ErrorBody}. */
export function isErrorBody(value: unknown): value is ErrorBody {
	return (
		typeof value === 'object' &&
		value !== null &&
		typeof (value as ErrorBody).status === 'number' &&
		typeof (value as ErrorBody).message === 'string'
	);
}
