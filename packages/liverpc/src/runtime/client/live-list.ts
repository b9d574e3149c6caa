import type { MakeState } from './reactive-state.js';
import { ROOM_FEED, roomFeedOf, type RoomFeedListener } from './room-feed.js';

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
	/** Keeps only the last `limit` items (the latest, or the greatest in `order`). */
	limit?: number;
	/**
	 * Milliseconds after which an item that no event replaced is removed: for volatile
	 * events ("typing…", cursors), whose sender may go away without a word (a closed tab).
	 * Needs `key`.
	 */
	expire?: number;
}

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

/** Makes a {@link LiveList} of event `event` of `room`; the entries' `liveList` call it. */
export function createLiveList<T, K>(makeState: MakeState, room: unknown, event: string, options: LiveListOptions<Record<string, T>, string, K> = {}): LiveList<T> {
	const { key, remove = {}, order, limit = Infinity, expire } = options;
	if (!key && Object.keys(remove).length > 0) throw new TypeError('liveList(): `remove` needs `key`, to find the item an event removes');
	if (!(limit >= 0)) throw new RangeError('liveList(): `limit` is a number of items, 0 or more');
	if (expire !== undefined && !key) throw new TypeError('liveList(): `expire` needs `key`, to know which item an event renews');
	if (expire !== undefined && !(expire > 0)) throw new RangeError('liveList(): `expire` is a number of milliseconds, more than 0');
	const feed = roomFeedOf(room, 'liveList');
	const state = makeState({ items: [] as T[] });
	/** Keys listed, so that an event of a new key costs no search. */
	const keys = new Set<K>();
	/** Since a join that did not resume: its events rebuild the list, those seen before included. */
	let rebuilding = false;
	/** With `expire`: by key, the timer that removes the item unless an event renews it first. */
	const expiries = new Map<K, ReturnType<typeof setTimeout>>();

	function expireLater(itemKey: K): void {
		clearTimeout(expiries.get(itemKey));
		expiries.set(
			itemKey,
			setTimeout(() => {
				expiries.delete(itemKey);
				drop(itemKey);
			}, expire)
		);
	}

	function forgetExpiries(): void {
		for (const timer of expiries.values()) clearTimeout(timer);
		expiries.clear();
	}

	function add(item: T): void {
		const items = state.items;
		if (key) {
			const itemKey = key(item);
			if (expire !== undefined) expireLater(itemKey);
			if (keys.has(itemKey)) {
				items[items.findIndex((listed) => key(listed) === itemKey)] = item;
				return;
			}
			keys.add(itemKey);
		}
		let index = items.length;
		if (order) while (index > 0 && order(items[index - 1]!, item) > 0) index--;
		if (index === items.length) items.push(item);
		else items.splice(index, 0, item);
		if (items.length > limit) {
			const dropped = items.splice(0, items.length - limit);
			if (key) {
				for (const gone of dropped) {
					const goneKey = key(gone);
					keys.delete(goneKey);
					clearTimeout(expiries.get(goneKey));
					expiries.delete(goneKey);
				}
			}
		}
	}

	function drop(itemKey: K): void {
		clearTimeout(expiries.get(itemKey));
		expiries.delete(itemKey);
		if (!keys.delete(itemKey)) return;
		state.items.splice(state.items.findIndex((listed) => key!(listed) === itemKey), 1);
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
			keys.clear();
			forgetExpiries();
		},
		event(name, payload, seen) {
			if (seen && !rebuilding) return;
			if (name === event) return add(payload as T);
			const keyOfRemoved = remove[name];
			if (keyOfRemoved) drop(keyOfRemoved(payload as T));
		}
	};
	const unfollow = feed[ROOM_FEED](follower);
	return {
		get items() {
			return state.items;
		},
		stop() {
			unfollow();
			forgetExpiries();
		}
	};
}
