import { CLIENT_ERRORS, LiveError } from './live-error.js';
import type { MakeState } from './reactive-state.js';
import { ROOM_FEED, ROOM_HISTORY, roomFeedOf, type RoomFeedListener } from './room-feed.js';

/**
 * Options of `liveList`: all optional. Without `key`, every event is one more item; with it,
 * an event whose key is already listed replaces that item where it stands.
 *
 * @example
 * ```ts
 * const options: LiveListOptions<ChatEvents, 'message', number> = {
 *   key: (m) => m.id,
 *   remove: { deleted: (d) => d.id },
 *   order: (a, b) => a.id - b.id,
 *   limit: 200
 * };
 * ```
 */
export interface LiveListOptions<Events, E extends keyof Events, K> {
	/** Identifies an item: an event with a key already listed replaces that item (upsert). */
	key?: (item: Events[E]) => K;
	/**
	 * Events that remove an item, each with how to read the key of the item it removes from
	 * its payload. Needs `key`.
	 */
	remove?: { [R in keyof Events]?: (payload: Events[R]) => NoInfer<K> };
	/**
	 * Where a new item goes: kept sorted by this comparison (as `Array.prototype.sort` takes
	 * it). Default: after the others, in the order the room delivers them.
	 */
	order?: (a: Events[E], b: Events[E]) => number;
	/**
	 * Keeps only the last `limit` items (the latest, or the greatest in `order`). Items that
	 * `loadEarlier()` brings raise it by as many, so they are listed rather than cut at once;
	 * the list stays bounded, and later live events push the oldest out as before.
	 */
	limit?: number;
}

/** How many older events `loadEarlier()` asks for when not told: a screenful or two of chat. */
export const EARLIER_PAGE = 50;

/**
 * A room's events of one kind, as a list the page renders: reactive in Svelte (its `items`
 * is `$state`), a plain array elsewhere. It holds the join's events (the room's `history`),
 * then each live one, each once; after a re-join that could not give every missed event
 * (`room.resumed === false`) it starts again from that join's events, so it never shows a
 * hole (unless those events carry on from what it has: then it keeps it). It follows one room: for another room, make another (`$derived` does).
 *
 * @example
 * ```svelte
 * <script lang="ts">
 *   const messages = $derived(liveList(room, 'message', { key: (m) => m.id, limit: 100 }));
 * </script>
 * {#each messages.items as m (m.id)}<p>{m.text}</p>{/each}
 * ```
 */
export interface LiveList<T> {
	/** The items, oldest (or first in `order`) first. */
	readonly items: readonly T[];
	/** Stops following the room (leaving the room, or the owning component going, does it too); `items` stay. */
	stop(): void;
}

/**
 * A {@link LiveList} of an event declared with `id` and `history`: it can also load the
 * events before its first item, page by page, from that history ("Load earlier messages").
 * The older items go in front (or where `order` puts them), each once: one the list has
 * already is not listed twice. Nobody else sees them: `room.on()` listeners and other lists
 * get only the room's own events.
 *
 * @example
 * ```svelte
 * <script lang="ts">
 *   const messages = $derived(liveList(room, 'message', { key: (m) => m.id }));
 * </script>
 * {#if messages.hasEarlier}
 *   <button disabled={messages.loadingEarlier} onclick={() => messages.loadEarlier()}>Load earlier messages</button>
 * {/if}
 * {#each messages.items as m (m.id)}<p>{m.text}</p>{/each}
 * ```
 */
export interface PagedLiveList<T> extends LiveList<T> {
	/**
	 * Asks the server for up to `count` (default 50; the server gives 100 at most) events
	 * older than the list's first item, from the event's `history`, and lists them. Resolves
	 * with how many it added: 0 when there were none (then `hasEarlier` turns false). While
	 * one is loading, another call returns the same promise. Rejects with a `LiveError`: the
	 * server's answer (a 429 past the call rate, a 500 if the history failed), or a 503 while
	 * the room is not joined. A re-join that starts the list again drops a page under way.
	 */
	loadEarlier(count?: number): Promise<number>;
	/** True while a `loadEarlier()` waits for the server. */
	readonly loadingEarlier: boolean;
	/**
	 * Whether the store may have events older than the first item: true while the list has
	 * items until a page says there are no older ones (or brings none it lacks), and again
	 * after a re-join starts the list again.
	 */
	readonly hasEarlier: boolean;
}

/** Makes a {@link LiveList} (a {@link PagedLiveList} at runtime) of event `event` of `room`; the entries' `liveList` call it. */
export function createLiveList<T, K>(makeState: MakeState, room: unknown, event: string, options: LiveListOptions<Record<string, T>, string, K> = {}): PagedLiveList<T> {
	const { key, remove = {}, order, limit = Infinity } = options;
	if (!key && Object.keys(remove).length > 0) throw new TypeError('liveList(): `remove` needs `key`, to find the item an event removes');
	if (!(limit >= 0)) throw new RangeError('liveList(): `limit` is a number of items, 0 or more');
	const feed = roomFeedOf(room, 'liveList');
	const state = makeState({ items: [] as T[], loadingEarlier: false, hasEarlier: false });
	/** Keys listed, so that an event of a new key costs no search. */
	const keys = new Set<K>();
	/**
	 * The event id of each item, at the same index (undefined for an event without one): the
	 * first one is where an older page starts. Kept beside `items`, not looked up by item, as
	 * Svelte hands out its own proxy of an item stored in `$state`.
	 */
	const ids: Array<string | number | undefined> = [];
	/** Since a join that did not resume: its events rebuild the list, those seen before included. */
	let rebuilding = false;
	/** The most items kept: `limit`, raised by the items older pages brought. */
	let capacity = limit;
	/** A page said the store has nothing older than the first item (until the list starts again). */
	let reachedFirst = false;
	/** Bumped whenever the list starts again: a page asked before then is dropped. */
	let generation = 0;
	let loading: Promise<number> | undefined;

	function updateHasEarlier(): void {
		const has = !reachedFirst && ids[0] !== undefined;
		if (state.hasEarlier !== has) state.hasEarlier = has;
	}

	function add(item: T, id: string | number | undefined): void {
		const items = state.items;
		if (key) {
			const itemKey = key(item);
			if (keys.has(itemKey)) {
				const index = items.findIndex((listed) => key(listed) === itemKey);
				items[index] = item;
				ids[index] = id ?? ids[index];
				return updateHasEarlier();
			}
			keys.add(itemKey);
		}
		let index = items.length;
		if (order) while (index > 0 && order(items[index - 1]!, item) > 0) index--;
		if (index === items.length) {
			items.push(item);
			ids.push(id);
		} else {
			items.splice(index, 0, item);
			ids.splice(index, 0, id);
		}
		if (items.length > capacity) {
			const dropped = items.splice(0, items.length - capacity);
			ids.splice(0, dropped.length);
			if (key) for (const gone of dropped) keys.delete(key(gone));
		}
		updateHasEarlier();
	}

	function drop(itemKey: K): void {
		if (!keys.delete(itemKey)) return;
		const index = state.items.findIndex((listed) => key!(listed) === itemKey);
		state.items.splice(index, 1);
		ids.splice(index, 1);
		updateHasEarlier();
	}

	/** Lists a page of older events (oldest first) before the items; returns how many were new. */
	function addEarlier(events: ReadonlyArray<[payload: unknown, id: string | number]>): number {
		const fresh: Array<[T, string | number]> = [];
		for (const [payload, id] of events) {
			const item = payload as T;
			if (key) {
				const itemKey = key(item);
				if (keys.has(itemKey)) continue;
				keys.add(itemKey);
			}
			fresh.push([item, id]);
		}
		capacity += fresh.length;
		if (order) {
			// Placed by `order`, from the front, where older items belong.
			for (const [item, id] of fresh) {
				let index = 0;
				while (index < state.items.length && order(state.items[index]!, item) <= 0) index++;
				state.items.splice(index, 0, item);
				ids.splice(index, 0, id);
			}
		} else if (fresh.length > 0) {
			state.items.unshift(...fresh.map(([item]) => item));
			ids.unshift(...fresh.map(([, id]) => id));
		}
		return fresh.length;
	}

	function loadEarlier(count = EARLIER_PAGE): Promise<number> {
		if (loading) return loading;
		if (!Number.isSafeInteger(count) || count < 1) return Promise.reject(new RangeError('loadEarlier(): `count` is a whole number of events, 1 or more'));
		const before = ids[0];
		if (reachedFirst || before === undefined) return Promise.resolve(0);
		const read = feed[ROOM_HISTORY];
		if (!read) return Promise.reject(new LiveError(CLIENT_ERRORS.serverRendering));
		const asked = generation;
		state.loadingEarlier = true;
		const settled = () => {
			loading = undefined;
			state.loadingEarlier = false;
		};
		loading = read.call(feed, event, before, count).then(
			(page) => {
				settled();
				// The list started again meanwhile: the page was older than what it lists now.
				if (asked !== generation) return 0;
				const added = addEarlier(page.events);
				// No older ones, or none the list lacks (a history that ignores `before`).
				if (!page.more || added === 0) reachedFirst = true;
				updateHasEarlier();
				return added;
			},
			(thrown: unknown) => {
				settled();
				throw thrown;
			}
		);
		return loading;
	}

	/** The events whose hole would make the list wrong: its own, and those that remove. */
	const followed = [event, ...Object.keys(remove)];
	const follower: RoomFeedListener = {
		joined(resumed, continued) {
			// A join that did not resume leaves a hole between what the list has and its events,
			// unless they carry on from what the list has for every event it follows.
			rebuilding = !resumed && !followed.every((name) => continued.has(name));
			if (!rebuilding) return;
			// The join's events follow, without a hole before them; what came before them has one.
			state.items = [];
			ids.length = 0;
			keys.clear();
			capacity = limit;
			reachedFirst = false;
			generation++;
			updateHasEarlier();
		},
		event(name, payload, seen, id) {
			if (seen && !rebuilding) return;
			if (name === event) return add(payload as T, id);
			const keyOfRemoved = remove[name];
			if (keyOfRemoved) drop(keyOfRemoved(payload as T));
		}
	};
	const stop = feed[ROOM_FEED](follower);
	return {
		get items() {
			return state.items;
		},
		get loadingEarlier() {
			return state.loadingEarlier;
		},
		get hasEarlier() {
			return state.hasEarlier;
		},
		loadEarlier,
		stop
	};
}
