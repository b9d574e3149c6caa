import { MARKER, type ContractIdentity } from '../../shared/contract-marker.js';
import { eventSinks, pushSinks, volatileSinks } from './event-sinks.js';
import { isKey } from './revocation.js';
import { roomKey } from './room-key.js';
import { compileRoutePattern, type RoutePattern } from './route-pattern.js';
import { socketEventStorage } from './socket-event-storage.js';
import type { RoomParams, SocketEvent } from './types.js';

/** The server-side part of an event's marker: its route, compiled on first use. */
export interface EventIdentity extends ContractIdentity<'event'> {
	pattern?: RoutePattern;
	/** The payload field that identifies each event, from `event({ id })`. */
	idKey?: string;
	/**
	 * From `event({ volatile })`: the event is not logged. `''` when the latest per room and
	 * event wins, else the payload field whose value names what the latest wins per.
	 */
	volatileKey?: string;
}

/** Ids an event can carry: what a store hands out (an autoincrement, a ULID). */
export type EventId = string | number;

type IdKeys<Payload> = {
	[K in keyof Payload & string]: Payload[K] extends EventId ? K : never;
}[keyof Payload & string];

/**
 * What an event's `history` function is given: the join being served (its params and
 * `locals`, after the join guard admitted it), and the id after which the member wants
 * every event of this kind: the oldest of the latest ids it received, so that an event
 * announced after later ones (scaled out, the room's order need not be the store's) is
 * found again; the client drops the ones it has. That id comes from the client: LiveRPC
 * checks that it is a string or a finite number, nothing more, so check which before use,
 * and pass it to the store as a query parameter. `limit` is how many events the join
 * delivers at most: read no more than that from the store.
 *
 * The same function serves a member that loads older events page by page (`loadEarlier()`
 * of a `liveList`): then `before` is set, and the history returns the newest `limit` events
 * older than that id, oldest first, with `{ events, complete: false }` when the store has
 * older ones still (see {@link HistoryResult}). A history that ignores `before` gives the
 * page its latest events again, which it already lists: nothing older can be loaded.
 * `before` comes from the client too: a string or a finite number, nothing more checked.
 *
 * @example
 * ```ts
 * const history = ({ params, lastEventId, before, limit }: HistoryEvent) => {
 *   if (typeof before === 'number') return messages.pageBefore(params.roomId, before, limit); // { events, complete }
 *   if (before !== undefined) return []; // not an id this store hands out
 *   return typeof lastEventId === 'number' ? messages.after(params.roomId, lastEventId, limit) : messages.latest(params.roomId, Math.min(50, limit));
 * };
 * ```
 */
export interface HistoryEvent<Params extends object = RoomParams> extends SocketEvent<Params> {
	/** Undefined on a first join, or when the member has received none of these events yet. */
	lastEventId: EventId | undefined;
	/**
	 * Set when a member asks for a page of older events: the id of the oldest it has. The
	 * history then returns the newest `limit` events whose id is older than this one, oldest
	 * first. Undefined on a join.
	 */
	before: EventId | undefined;
	/**
	 * The most events one join delivers (`limits.maxJoinEvents`, default 500; `Infinity` when
	 * turned off): of more, the member gets the newest and `room.resumed === false`. A store
	 * that reads the newest `limit` (and one more, to tell whether there were more) never
	 * reads rows the join would drop. For a page of older events (`before` set), the page's
	 * size: what the member asked, at most 100 and at most `maxJoinEvents`.
	 */
	limit: number;
}

/**
 * Options of {@link event}: `id` names the payload field that identifies each event, and
 * `history` reads from the app's store what a member should receive when it joins.
 *
 * @example
 * ```ts
 * const options: EventOptions<ChatMessage> = {
 *   id: 'id',
 *   history: ({ params, lastEventId }) =>
 *     typeof lastEventId === 'number' ? messages.after(params.roomId, lastEventId) : messages.latest(params.roomId, 50)
 * };
 * ```
 */
export type EventOptions<Payload, Params extends object = RoomParams> = {
	[K in IdKeys<Payload>]: {
		/** The payload field holding the event's id, in the store's order (e.g. an autoincrement). */
		id: K;
		/**
		 * What a joining member gets first, as ordinary events: on a first join the recent
		 * ones (`lastEventId` undefined), on a re-join the server's buffer could not fill
		 * (a restart, a long disconnect) every event after `lastEventId`. Runs after the join
		 * guard admitted the member, with its `params` and `locals`. It also serves pages of
		 * older events (`before` set): it must honour `before` for `loadEarlier()` to load any.
		 */
		history?: (event: HistoryEvent<Params>) => HistoryResult<Payload> | Promise<HistoryResult<Payload>>;
		volatile?: never;
	};
}[IdKeys<Payload>] | VolatileEventOptions<Payload>;

type VolatileKeys<Payload> = {
	[K in keyof Payload & string]: Payload[K] extends string | number | boolean ? K : never;
}[keyof Payload & string];

/**
 * Options of a volatile {@link event}: cursors, "typing…", anything where only the latest
 * value matters. A volatile event is not logged: it has no `seq`, is not in a join's events
 * and is not resumed after a reconnect; a member that is not connected at that moment never
 * gets it. Each member's volatile emits are limited to `limits.volatilePerSecond` (the
 * excess is coalesced: the latest per key is sent when the rate allows, older ones are
 * dropped), and a connection that reads slowly gets them dropped before anything else.
 *
 * `volatile: true`: the latest per room and event wins. `volatile: { key }`: the latest per
 * value of that payload field wins (e.g. one cursor per user).
 *
 * @example
 * ```ts
 * export const typing = event<{ userId: string; name: string; typing: boolean }>({ volatile: { key: 'userId' } });
 * export const cursor = event<{ x: number; y: number }>({ volatile: true });
 * ```
 */
export interface VolatileEventOptions<Payload> {
	volatile: true | { key: VolatileKeys<Payload> };
	/** A volatile event is never logged, so it has no id to resume from. */
	id?: never;
	/** A volatile event is never replayed, so it has no history. */
	history?: never;
}

/**
 * What an event's `history` returns: the payloads, oldest first, or `{ events, complete:
 * false }` when they are not everything the member missed (the store keeps less, or the gap
 * is larger than the join's `limit`). The member then gets those events and
 * `room.resumed === false`, so the page can say that some are missing.
 *
 * For a page of older events (`before` set), `complete: false` says the store has events
 * older than these, and `complete: true` that these reach back to its first: the page's
 * `hasEarlier` follows it. A plain array counts as complete when it holds fewer than
 * `limit` events, and as not complete when it is full.
 *
 * @example
 * ```ts
 * // the newest limit + 1 after lastEventId, oldest first
 * const missed = messages.newestAfter(roomId, lastEventId, limit + 1);
 * return missed.length > limit ? { events: missed.slice(1), complete: false } : missed;
 * ```
 */
export type HistoryResult<Payload> = Payload[] | { events: Payload[]; complete: boolean };

/**
 * An event the server pushes to the members of a room; see {@link event}.
 *
 * @example
 * ```ts
 * export const typing: RoomEvent<{ userId: string }> = event<{ userId: string }>();
 * ```
 */
export interface RoomEvent<Payload = unknown, Params extends object = RoomParams> {
	readonly [MARKER]: EventIdentity;
	/** From `event({ history })`: what a joining member gets first; see {@link EventOptions}. */
	readonly history?: (event: HistoryEvent<any>) => HistoryResult<unknown> | Promise<HistoryResult<unknown>>;
	/**
	 * Sends to every member of the room whose join or call is being served, the caller
	 * included, in emit order.
	 */
	emit(payload: Payload): void;
	/**
	 * Picks a room by its params, for emits from outside a handler (a form action, a job).
	 * Typed from the folder names when the contract imports from `./$socket`.
	 */
	to(params: Params): { emit(payload: Payload): void };
	/**
	 * Picks the connections the socket hook named `key` (e.g. `user:42`), on every process:
	 * the event reaches each of their memberships of this event's room contract, whatever
	 * the params — a notification to one user's tabs. Not logged: a tab that is offline at
	 * that moment does not get it later.
	 */
	toKey(key: string): { emit(payload: Payload): void };
	/** Type carrier for `liverpc/client`; never set at runtime. */
	readonly '~types'?: { payload: Payload; params: Params };
}

/**
 * An event declared with `id` and `history`: besides what a joining member gets, a page can
 * load older ones from its history (`loadEarlier()` of a `liveList`). Only the type differs.
 *
 * @example
 * ```ts
 * export const message: EventWithHistory<ChatMessage> = event<ChatMessage>({ id: 'id', history: messages.since });
 * ```
 */
export interface EventWithHistory<Payload = unknown, Params extends object = RoomParams> extends RoomEvent<Payload, Params> {
	readonly history: NonNullable<RoomEvent['history']>;
}

/**
 * The type of {@link event}: with `Params` fixed by `./$socket` for the contract's folder.
 * An event given a `history` is an {@link EventWithHistory}.
 *
 * @example
 * ```ts
 * const typing: EventBuilder<{ roomId: string }> = event;
 * ```
 */
export interface EventBuilder<Params extends object = RoomParams> {
	<Payload = void>(options: EventOptions<Payload, Params> & { history: NonNullable<unknown> }): EventWithHistory<Payload, Params>;
	<Payload = void>(options?: EventOptions<Payload, Params>): RoomEvent<Payload, Params>;
}

/**
 * Declares an event the server pushes to room members; the type parameter is its payload.
 * With `{ volatile }` it is sent and forgotten (cursors, "typing…"): see
 * {@link VolatileEventOptions}. Otherwise each emit is encoded once and handed to
 * Socket.IO's room broadcast, and kept a while in the room's buffer so members that
 * reconnect get what they missed.
 *
 * With `id` and `history`, the app's store fills any gap the buffer cannot (a restart, a
 * long disconnect) and gives a member the recent events on its first join, all delivered
 * as ordinary events: a page keeps one list and appends to it, exactly once and in order.
 *
 * @example
 * ```ts
 * export const message = event<ChatMessage>({
 *   id: 'id',
 *   history: ({ params, lastEventId }) =>
 *     typeof lastEventId === 'number' ? messages.after(params.roomId, lastEventId) : messages.latest(params.roomId, 50)
 * });
 * // in a handler of this room:
 * message.emit(saved);
 * // anywhere on the server:
 * message.to({ roomId: '42' }).emit(saved);
 * // to one user's tabs that are in a room of this contract, on every process:
 * message.toKey(`user:${userId}`).emit(saved);
 *
 * // not logged, the latest per user wins, limited per member: "who is typing"
 * export const typing = event<{ userId: string; typing: boolean }>({ volatile: { key: 'userId' } });
 * ```
 */
export const event: EventBuilder = function event<Payload>(options?: EventOptions<Payload>): RoomEvent<Payload> {
	const identity: EventIdentity = { kind: 'event' };
	const given = options as { id?: unknown; history?: unknown; volatile?: unknown } | undefined;
	if (given !== undefined) {
		if (typeof given !== 'object' || given === null) throw new TypeError('event() takes an options object: { id, history } or { volatile }');
	}
	if (given?.volatile !== undefined) identity.volatileKey = volatileKeyOf(given);
	else if (given !== undefined) {
		if (typeof given.id !== 'string') throw new TypeError("event({ id }): id names the payload field that identifies each event, e.g. 'id'");
		if (given.history !== undefined && typeof given.history !== 'function') throw new TypeError('event({ history }): history must be a function');
		identity.idKey = given.id;
	}
	const idKey = identity.idKey;
	const volatileKey = identity.volatileKey;

	const deliver = (pattern: RoutePattern, key: string, payload: unknown) => {
		const name = identity.name!;
		if (volatileKey !== undefined) {
			// The membership being served, if any: its emits count against its volatile rate.
			const source = socketEventStorage.getStore();
			const latest = volatileKey === '' ? name : `${name}\u0000${latestKeyOf(payload, volatileKey)}`;
			for (const sink of volatileSinks) sink(pattern.id, key, name, payload, latest, source);
			return;
		}
		const id = idKey === undefined ? undefined : eventIdOf(payload, idKey, name);
		for (const sink of eventSinks) sink(pattern.id, key, name, payload, id);
	};

	return {
		[MARKER]: identity,
		...(given?.history ? { history: given.history as RoomEvent['history'] } : {}),
		emit(payload) {
			const current = socketEventStorage.getStore();
			const pattern = registered(identity);
			if (!current) {
				throw new Error(
					`${identity.name}.emit() needs a room: call it inside a handler of '${pattern.id}', or use ${identity.name}.to(params).emit()`
				);
			}
			if (current.route.id !== pattern.id) {
				throw new Error(
					`${identity.name}.emit() belongs to room '${pattern.id}' but runs in a handler of '${current.route.id}': use ${identity.name}.to(params).emit()`
				);
			}
			deliver(pattern, roomKey(pattern, current.room), payload);
		},
		to(params) {
			const pattern = registered(identity);
			const resolved = pattern.resolve(params);
			if ('problem' in resolved) throw new TypeError(`${identity.name}.to(): ${resolved.problem} for room '${pattern.id}'`);
			const key = roomKey(pattern, resolved.room);
			return { emit: (payload) => deliver(pattern, key, payload) };
		},
		toKey(key) {
			const pattern = registered(identity);
			if (!isKey(key)) throw new TypeError(`${identity.name}.toKey() takes a key the socket hook returned, e.g. \`user:\${id}\``);
			return {
				emit: (payload) => {
					for (const sink of pushSinks) sink(pattern.id, key, identity.name!, payload);
				}
			};
		}
	};
} as EventBuilder;

/**
 * The event's route, from the id stamped on its marker by registration or, in a Vite
 * build or dev server, by the plugin when the module is evaluated.
 */
function registered(identity: EventIdentity): RoutePattern {
	if (identity.pattern) return identity.pattern;
	if (identity.route === undefined) {
		throw new Error('This event is not part of a room contract yet: export it from a .socket.ts file that is attached');
	}
	return (identity.pattern = compileRoutePattern(identity.route));
}

/**
 * What `event({ volatile })` was given, checked: `''` for `true`, the key field for
 * `{ key }`. A volatile event is never logged, so `id` and `history` (which exist to resume
 * and replay the log) make no sense with it.
 */
function volatileKeyOf(given: { id?: unknown; history?: unknown; volatile?: unknown }): string {
	if (given.id !== undefined || given.history !== undefined) {
		throw new TypeError('event({ volatile }) cannot have `id` or `history`: a volatile event is not logged, so it is never resumed nor replayed');
	}
	const volatile = given.volatile;
	if (volatile === true) return '';
	const key = typeof volatile === 'object' && volatile !== null ? (volatile as { key?: unknown }).key : undefined;
	if (typeof key === 'string' && key !== '') return key;
	throw new TypeError("event({ volatile }) takes true, or { key } naming the payload field the latest event wins per, e.g. { key: 'userId' }");
}

/** The value a volatile event's latest wins per; a payload without it shares one slot. */
function latestKeyOf(payload: unknown, field: string): string {
	const value = typeof payload === 'object' && payload !== null ? (payload as Record<string, unknown>)[field] : undefined;
	return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : '';
}

/** The id field of a payload, checked: a missing id would silently break resume. */
export function eventIdOf(payload: unknown, idKey: string, name: string): EventId {
	const id = typeof payload === 'object' && payload !== null ? (payload as Record<string, unknown>)[idKey] : undefined;
	if ((typeof id === 'number' && Number.isFinite(id)) || typeof id === 'string') return id;
	throw new TypeError(`Event '${name}': the payload has no ${idKey} (a string or a number), which event({ id: '${idKey}' }) requires`);
}
