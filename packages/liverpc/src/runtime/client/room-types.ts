import type { RoomCall } from '../server/contract/call.js';
import type { EventWithHistory, RoomEvent } from '../server/contract/event.js';
import type { RoomJoin } from '../server/contract/join.js';
import type { RoomPresence } from '../server/contract/presence.js';
import type { ErrorBody } from '../shared/protocol.js';
import type { RenderedRoom } from '../shared/rendered-room.js';
import type { WireValue } from './wire-value.js';

// Type-level only: how `import * as chat from './chat.socket'` becomes a typed room handle.
// The real module's types reach the page even though the browser loads only its stub.

/**
 * Where a room is in its life.
 *
 * @example
 * ```svelte
 * {#if room.status === 'joined'}…{:else if room.status === 'rejected'}{room.error?.message}{/if}
 * ```
 */
export type RoomStatus = 'joining' | 'joined' | 'reconnecting' | 'rejected' | 'closed';

type CallNames<M> = { [K in keyof M]: M[K] extends RoomCall<any, any, any> ? K : never }[keyof M] & string;
export type EventNames<M> = { [K in keyof M]: M[K] extends RoomEvent<any, any> ? K : never }[keyof M] & string;

/**
 * The events of a contract module declared with `id` and `history`: those a `liveList` can
 * load older ones of (`loadEarlier()`).
 *
 * @example
 * ```ts
 * type Paged = HistoryEventNames<typeof import('./chat.socket')>; // 'message'
 * ```
 */
export type HistoryEventNames<M> = { [K in keyof M]: M[K] extends EventWithHistory<any, any> ? K : never }[keyof M] & string;

/**
 * The join reply type of a contract module, or undefined when it has no `join`.
 *
 * @example
 * ```ts
 * type ChatJoined = JoinReplyOf<typeof import('./chat.socket')>; // { history: ChatMessage[] }
 * ```
 */
export type JoinReplyOf<M> = {
	[K in keyof M]: M[K] extends RoomJoin<infer Reply, any, any> ? Reply : never;
}[keyof M] extends infer Reply
	? [Reply] extends [never]
		? undefined
		: Reply
	: never;

/**
 * One entry of a contract module's `room.presence`: what its `presence()` returns, as it
 * arrives (see {@link WireValue}), with the count of connections holding it.
 *
 * @example
 * ```ts
 * type Online = PresenceOf<typeof import('./chat.socket')>; // { id: string; name: string; connections: number }
 * ```
 */
export type PresenceOf<M> = {
	[K in keyof M]: M[K] extends RoomPresence<infer Entry, any> ? WireValue<Entry> & { connections: number } : never;
}[keyof M];

/**
 * The payload type of event `E` of a contract module.
 *
 * @example
 * ```ts
 * type Message = EventPayloadOf<typeof import('./chat.socket'), 'message'>;
 * ```
 */
export type EventPayloadOf<M, E extends keyof M> = M[E] extends RoomEvent<infer Payload, any> ? Payload : never;

/**
 * The events of a contract module, each with its payload as it arrives (see {@link WireValue}):
 * what `liveList` and `liveValue` read a room's event names and payload types from.
 *
 * @example
 * ```ts
 * type ChatEvents = RoomEvents<typeof import('./chat.socket')>; // { message: ChatMessage }
 * ```
 */
export type RoomEvents<M> = { [E in EventNames<M>]: WireValue<EventPayloadOf<M, E>> };

/**
 * What `liveList` and `liveValue` take: a room whose events (name → payload) are `Events`.
 * Every room handle is one; a component that takes rooms of several contracts with the same
 * event names it by this type. The property exists in types only.
 *
 * @example
 * ```ts
 * interface Props { room: RoomWithEvents<{ message: ChatMessage }> }
 * ```
 */
export interface RoomWithEvents<Events> {
	/** Type-level only: the room's events and their payloads. Never set. */
	readonly '~events'?: Events;
}

/**
 * A room whose events named `Paged` have a `history` a page can load older events from: a
 * `liveList` of one of them has `loadEarlier()`. Every room handle is one, for the events its
 * contract declares with `id` and `history`; a component that loads older messages of rooms
 * of several contracts names them by this type. The property exists in types only.
 *
 * @example
 * ```ts
 * interface Props { room: RoomWithHistory<{ message: ChatMessage }, 'message'> }
 * ```
 */
export interface RoomWithHistory<Events, Paged extends keyof Events> extends RoomWithEvents<Events> {
	/** Type-level only: the events with a history. Never set. */
	readonly '~history'?: { readonly [E in Paged]: true };
}

// A call whose input may be left out (no schema, or a schema that accepts `undefined`) takes
// no argument; its output is typed as it arrives.
type CallMethod<C> =
	C extends RoomCall<infer Input, infer Output, any>
		? [Input] extends [void]
			? () => Promise<WireValue<Output>>
			: undefined extends Input
				? (input?: Input) => Promise<WireValue<Output>>
				: (input: Input) => Promise<WireValue<Output>>
		: never;

/**
 * What every room handle has, whatever its contract.
 *
 * @example
 * ```ts
 * function showStatus(room: RoomBase<unknown>) { return `${room.status} ${room.error?.message ?? ''}`; }
 * ```
 */
export interface RoomBase<M> extends RoomWithHistory<RoomEvents<M>, HistoryEventNames<M> & EventNames<M>> {
	/** `joining` → `joined`; `reconnecting` after a network loss; `rejected` when refused; `closed` after `leave()`. */
	readonly status: RoomStatus;
	/** Why the room was rejected (or the connection refused): `{ status, message }`. */
	readonly error: ErrorBody | undefined;
	/**
	 * The join reply as it arrives (see {@link WireValue}), renewed on every re-join. It is a
	 * field of the join's answer, so a reply of `undefined` stays `undefined`.
	 */
	readonly joined: WireValue<Exclude<JoinReplyOf<M>, undefined>> | undefined;
	/**
	 * False when the last re-join could not give this room every event it missed while
	 * disconnected (the server's buffer no longer had them and no event of the room has a
	 * `history`): the page should rebuild what it shows from `joined`. True otherwise.
	 */
	readonly resumed: boolean;
	/**
	 * Who is in the room, when its contract exports a `presence()`: one entry per id (a user
	 * with three tabs is one entry, `connections: 3`), in the order they arrived, updated as
	 * members come and go. Empty until joined, and for a contract without presence.
	 */
	readonly presence: ReadonlyArray<PresenceOf<M>>;
	/** Listens to one of the room's events, whose payload is typed as it arrives; returns a function that stops listening. */
	on<E extends EventNames<M>>(name: E, listener: (payload: WireValue<EventPayloadOf<M, E>>) => void): () => void;
	/** Leaves the room (once every handle of the same room has left, the server is told). */
	leave(): void;
}

/**
 * A joined room: the base members plus one typed method per `call` export of its contract.
 *
 * @example
 * ```ts
 * import type * as chat from './chat.socket';
 * let room: Room<typeof chat> = live(chat, { roomId: '42' });
 * const saved = await room.send({ text: 'hi' });
 * ```
 */
export type Room<M> = RoomBase<M> & { readonly [K in CallNames<M>]: CallMethod<M[K]> };

// A contract export: a builder's value, or the marker the browser stub holds in its place.
type ContractExportNames<M> = {
	[K in keyof M]: M[K] extends RoomCall<any, any, any> | RoomEvent<any, any> | RoomJoin<any, any, any> | RoomPresence<any, any> | { readonly '~liverpc': { readonly kind: string } } ? K : never;
}[keyof M];

/**
 * `unknown` for a room contract module (one with a `join`, `call`, `event` or `presence` export), and
 * for anything else a type no value has, whose one key says what `live()` wanted: so
 * `live(Math)` or `live({})` is a compile error that names the fix.
 *
 * @example
 * ```ts
 * declare function open<M extends object>(contract: M & NoInfer<ContractModuleCheck<M>>): void;
 * ```
 */
export type ContractModuleCheck<M> = [ContractExportNames<M>] extends [never]
	? { 'live() takes a room contract module: import * as chat from "./chat.socket"': never }
	: unknown;

// Every builder carries its params in `~types`; builders from `liverpc/server` carry the
// untyped `Record<string, string>`, those from `./$socket` the folder's own.
type CarriedParams<M> = { [K in keyof M]: M[K] extends { readonly '~types'?: { params: infer Params } } ? Params : never }[keyof M];
type FolderParams<Params> = Params extends unknown ? (string extends keyof Params ? never : Params) : never;

/**
 * The params a contract module's room is opened with: `{ roomId: string }` for
 * `rooms/[roomId]/chat.socket.ts` when its builders come from `./$socket`, any string record
 * when they come from `liverpc/server`.
 *
 * @example
 * ```ts
 * type ChatParams = ParamsOf<typeof import('./chat.socket')>; // { roomId: string }
 * ```
 */
export type ParamsOf<M> = [FolderParams<CarriedParams<M>>] extends [never] ? Record<string, string> : FolderParams<CarriedParams<M>>;

/**
 * The params argument of `live()`: required when the room has a required param, optional
 * when it has none (or only `[[optional]]` ones).
 *
 * @example
 * ```ts
 * declare function open<M extends object>(contract: M, ...params: LiveParams<M>): void;
 * ```
 */
export type LiveParams<M> = {} extends ParamsOf<M> ? [params?: ParamsOf<M>] : [params: ParamsOf<M>];

/**
 * What `live()` takes after the contract: the room's params (see {@link LiveParams}), or the
 * room as the page's server render read it with `loadRoom()` (it names its params itself).
 *
 * @example
 * ```ts
 * declare function open<M extends object>(contract: M, ...source: LiveSource<M>): void;
 * ```
 */
export type LiveSource<M> = LiveParams<M> | [rendered: RenderedRoom<NoInfer<M>>];
