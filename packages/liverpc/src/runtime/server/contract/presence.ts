import { MARKER, type ContractIdentity } from '../../shared/contract-marker.js';
import { isJoin, type MemberOfJoin, type ParamsOfJoin, type RoomJoin } from './join.js';
import type { MemberEvent, RoomParams, SocketEvent } from './types.js';

/** What a presence entry must have: the id that makes one entry of many tabs. */
export interface PresenceEntry {
	id: string;
}

/**
 * The presence of a room contract; see {@link presence}.
 *
 * @example
 * ```ts
 * export const online: RoomPresence<{ id: string; name: string }> = presence(({ locals }) => ({ id: locals.user!.id, name: locals.user!.name }));
 * ```
 */
export interface RoomPresence<Entry extends PresenceEntry = PresenceEntry, Params extends object = RoomParams> {
	readonly [MARKER]: ContractIdentity<'presence'>;
	/** Builds a member's entry from its join's event, after the guard admitted it. */
	readonly describe: (event: any) => Entry | Promise<Entry>;
	/** The join it was declared with, `presence(enter, …)`: the contract must export that one. */
	readonly guard: RoomJoin<any, any, any> | undefined;
	/** Type carrier for `liverpc/client`; never set at runtime. */
	readonly '~types'?: { entry: Entry; params: Params };
}


/**
 * The type of {@link presence}: with `Params` fixed by `./$socket` for the contract's folder.
 *
 * @example
 * ```ts
 * const online: PresenceBuilder<{ roomId: string }> = presence;
 * ```
 */
export interface PresenceBuilder<Params extends object = RoomParams> {
	<Guard extends RoomJoin<any, any, any>, Entry extends PresenceEntry>(
		guard: Guard,
		describe: (event: MemberEvent<ParamsOfJoin<Guard>, MemberOfJoin<Guard>>) => Entry | Promise<Entry>
	): RoomPresence<Entry, ParamsOfJoin<Guard>>;
	<Entry extends PresenceEntry>(describe: (event: SocketEvent<Params>) => Entry | Promise<Entry>): RoomPresence<Entry, Params>;
}

/**
 * Declares who is in the room, as the page sees it (`room.presence`). `describe` builds a
 * member's entry on the server, from its `locals` (or, declared with the room's join,
 * `presence(enter, …)`, from `event.member`): never from anything the client sends. Entries
 * with the same `id` are one entry, however many tabs the user has open, with a count of
 * its connections. Pages get the whole list when they join, then only what changes.
 *
 * @example
 * ```ts
 * export const online = presence(enter, ({ member }) => ({ id: member.user.id, name: member.user.name }));
 * ```
 */
export const presence: PresenceBuilder = function presence(...args: unknown[]): RoomPresence {
	const guard = isJoin(args[0]) ? (args.shift() as RoomJoin) : undefined;
	const describe = args[0];
	if (typeof describe !== 'function') throw new TypeError('presence() takes a function that builds an entry { id, … } from the join event');
	return { [MARKER]: { kind: 'presence' }, describe: describe as RoomPresence['describe'], guard };
} as PresenceBuilder;


/** The id of an entry `describe` returned, or a reason it cannot be one. */
export function entryIdOf(entry: unknown): string | { problem: string } {
	if (typeof entry !== 'object' || entry === null) return { problem: 'presence() must return an object { id, … }' };
	const id = (entry as { id?: unknown }).id;
	if (typeof id !== 'string' || id === '') return { problem: "presence() must return an entry whose 'id' is a non-empty string" };
	return id;
}
