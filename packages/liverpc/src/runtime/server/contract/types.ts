import type { ErrorBody } from '../../shared/protocol.js';

declare global {
	namespace App {
		/**
		 * What `src/hooks.socket.ts` returns as `locals`, and what every `.socket.ts` handler
		 * reads. Declare its fields in `src/app.d.ts`, next to `App.Locals`.
		 *
		 * @example
		 * ```ts
		 * declare global {
		 *   namespace App {
		 *     interface SocketLocals { user?: { id: string; tenantId: string } }
		 *   }
		 * }
		 * ```
		 */
		interface SocketLocals {}
	}
}

/**
 * Route params of a room: SvelteKit segment names to their string values.
 *
 * @example
 * ```ts
 * const params: RoomParams = { roomId: '42' }; // for rooms/[roomId]/chat
 * ```
 */
export type RoomParams = Record<string, string>;

/**
 * Everything a join or call handler knows about who is asking and where. The same object
 * serves every call of one membership, so handlers must not keep per-call state on it.
 *
 * @example
 * ```ts
 * export const whoami = call(({ locals, params, room }) => ({ user: locals.user?.id, room, roomId: params.roomId }));
 * ```
 */
export interface SocketEvent<Params extends object = RoomParams> {
	/** What the socket hook returned for this connection. The only source of identity. */
	locals: App.SocketLocals;
	/**
	 * Validated route params, e.g. `{ roomId: '42' }`. Typed from the folder names when the
	 * contract imports its builders from `./$socket`.
	 */
	params: Params;
	/** The room contract's route id, e.g. `rooms/[roomId]/chat`. */
	route: { readonly id: string };
	/** The concrete room, e.g. `rooms/42/chat`. */
	room: string;
	/** The Socket.IO id of this connection; new after every reconnect. */
	connectionId: string;
}

/**
 * The input of the optional `handleError` export of `hooks.socket.ts`.
 *
 * @example
 * ```ts
 * export const handleError: HandleSocketError = ({ error, event, id }) => {
 *   logger.error({ id, room: event?.room }, error);
 * };
 * ```
 */
export interface HandleSocketErrorInput {
	error: unknown;
	/** The join or call being served, or undefined for the socket hook itself. */
	event: SocketEvent | undefined;
	/** The id logged with the stack and sent to the caller. */
	id: string;
}

/**
 * Shapes the safe body of an unexpected error; `status` and `id` are always kept.
 *
 * @example
 * ```ts
 * export const handleError: HandleSocketError = ({ id }) => ({ message: `Something broke (ref ${id})` });
 * ```
 */
export type HandleSocketError = (
	input: HandleSocketErrorInput
) => Partial<ErrorBody> | void | Promise<Partial<ErrorBody> | void>;

/**
 * The event of a call declared with its room's join guard, `call(enter, …)`: the join event
 * plus `member`, what the guard admitted the connection with (see `admit`).
 *
 * @example
 * ```ts
 * export const send = call(enter, input, async ({ text }, { member }) => messages.add(member.user, text));
 * ```
 */
export interface MemberEvent<Params extends object = RoomParams, Member = unknown> extends SocketEvent<Params> {
	/** What the join guard passed to `admit({ member })` for this membership. */
	member: Member;
}
