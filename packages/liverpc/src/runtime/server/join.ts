import { MARKER, type ContractIdentity } from '../shared/contract-marker.js';
import type { SocketEvent } from './types.js';

/**
 * The join guard of a room contract; see {@link join}.
 *
 * @example
 * ```ts
 * export const enter: RoomJoin<{ topic: string }> = join(() => ({ topic: 'General' }));
 * ```
 */
export interface RoomJoin<Reply = unknown> {
	readonly [MARKER]: ContractIdentity<'join'>;
	readonly handler: (event: SocketEvent) => Reply | Promise<Reply>;
	/** Type carrier for `liverpc/client`; never set at runtime. */
	readonly '~types'?: { reply: Reply };
}

/**
 * Declares who may join the room. It runs on every join and every re-join after a
 * reconnect, with that connection's `locals`; throw `error(401 | 403 | 404, …)` to refuse.
 * What it returns is the join reply the page reads as `room.joined`: what describes the
 * room. Past events belong in an event's `history`, which reaches the page exactly once
 * (see `event`). A contract without a `join` export lets every connection in.
 *
 * @example
 * ```ts
 * export const enter = join(async ({ params, locals }) => {
 *   if (!locals.user) error(401, 'Sign in to chat');
 *   const room = await rooms.get(params.roomId);
 *   if (!room) error(404, 'No such room');
 *   return { name: room.name };
 * });
 * ```
 */
export function join<Reply>(handler: (event: SocketEvent) => Reply | Promise<Reply>): RoomJoin<Awaited<Reply>> {
	if (typeof handler !== 'function') throw new TypeError('join() takes a handler function');
	return { [MARKER]: { kind: 'join' }, handler: handler as RoomJoin<Awaited<Reply>>['handler'] };
}
