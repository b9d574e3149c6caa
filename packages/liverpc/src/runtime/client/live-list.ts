import { EarlierPages } from './live-list-earlier.js';
import { ItemExpiry } from './live-list-expiry.js';
import { ListedItems, type ItemEventId } from './live-list-items.js';
import { OptimisticItems } from './live-list-optimistic.js';
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
 *   limit: 200,
 *   match: (m) => m.key
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
	 * Keeps only the last `limit` items (the latest, or the greatest in `order`); an optimistic
	 * item is never the one dropped. Items that `loadEarlier()` brings raise it by as many, so
	 * they are listed rather than cut at once; later live events push the oldest out as before.
	 */
	limit?: number;
	/**
	 * Milliseconds after which an item that no event replaced is removed: for volatile
	 * events ("typing…", cursors), whose sender may go away without a word (a closed tab).
	 * Needs `key`.
	 */
	expire?: number;
	/**
	 * The idempotency key an item carries (the one its sender's call was made with), or
	 * undefined for none: how an optimistic item is matched with the room's event that
	 * confirms it. Needed by `optimistic()`.
	 */
	match?: (item: Events[E]) => unknown;
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
 *   const messages = $derived(liveList(room, 'message', { key: (m) => m.id, limit: 100, match: (m) => m.key }));
 *   const send = (text: string, key = crypto.randomUUID()) =>
 *     messages.optimistic({ id: Infinity, text, key }, room.send({ text, key }));
 * </script>
 * {#each messages.items as m (m.key ?? m.id)}
 *   <p class:pending={messages.isPending(m)}>{m.text}</p>
 * {/each}
 * ```
 */
export interface LiveList<T> {
	/** The items, oldest (or first in `order`) first. */
	readonly items: readonly T[];
	/**
	 * Lists `item` at once, for the call that will make the room announce it, and returns
	 * that call. The room's event whose `match` key is the item's takes its place (in place,
	 * or where `order` puts it); an answer that is an item with that key does too, before
	 * the event (which then replaces it again, never adding a second). A call that fails
	 * before either takes the item out again. The same key again while the item waits (a
	 * retry) lists nothing more; a key already confirmed lists nothing. Needs `match`.
	 */
	optimistic<R>(item: T, call: Promise<R>): Promise<R>;
	/** Whether `item` is an optimistic one whose call has not answered yet (the page may grey it). */
	isPending(item: T): boolean;
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
	const { key, remove = {}, order, limit = Infinity, expire, match } = options;
	checkOptions(options);
	const feed = roomFeedOf(room, 'liveList');
	const state = makeState({ items: [] as T[], pending: [] as unknown[], loadingEarlier: false, hasEarlier: false });
	const expiry = new ItemExpiry<K>(expire, (itemKey) => drop(itemKey));
	const listed: ListedItems<T, K> = new ListedItems<T, K>(state, { key, order, limit, isHeld: (item) => optimistic.isHeld(item), dropped: (itemKey) => expiry.forget(itemKey) });
	const optimistic = new OptimisticItems<T, K>(listed, state, { match, key, ordered: order !== undefined });
	const earlier = new EarlierPages<T, K>(listed, state, { feed, event, key, order });
	/** Since a join that did not resume: its events rebuild the list, those seen before included. */
	let rebuilding = false;

	// An event of the list: the one an optimistic item waits for takes its place; else it is listed.
	function add(item: T, id: ItemEventId): void {
		if (!optimistic.confirm(item, id)) list(item, id);
		earlier.update();
	}

	// One of a listed key replaces that item where it stands; any other is one more item.
	function list(item: T, id: ItemEventId): void {
		if (key) {
			const itemKey = key(item);
			expiry.renew(itemKey);
			if (listed.keys.has(itemKey)) return listed.replaceAt(listed.indexOfKey(itemKey), item, id);
			listed.keys.add(itemKey);
		}
		listed.insert(item, id, 'confirmed');
	}

	function drop(itemKey: K): void {
		expiry.forget(itemKey);
		if (!listed.keys.delete(itemKey)) return;
		listed.removeAt(listed.indexOfKey(itemKey));
		earlier.update();
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
			// Optimistic items stay: their events are still to come (maybe in this join's).
			listed.restart();
			expiry.clear();
			earlier.restart();
		},
		event(name, payload, seen, id) {
			if (seen && !rebuilding) return;
			if (name === event) return add(payload as T, id);
			const keyOfRemoved = remove[name];
			if (keyOfRemoved) drop(keyOfRemoved(payload as T));
		}
	};
	const unfollow = feed[ROOM_FEED](follower);
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
		loadEarlier: (count) => earlier.load(count),
		optimistic: (item, call) => optimistic.add(item, call),
		isPending: (item) => optimistic.isPending(item),
		stop() {
			unfollow();
			expiry.clear();
		}
	};
}

/** Throws for options that cannot work together, saying which. */
function checkOptions<T, K>(options: LiveListOptions<Record<string, T>, string, K>): void {
	const { key, remove = {}, limit = Infinity, expire } = options;
	if (!key && Object.keys(remove).length > 0) throw new TypeError('liveList(): `remove` needs `key`, to find the item an event removes');
	if (!(limit >= 0)) throw new RangeError('liveList(): `limit` is a number of items, 0 or more');
	if (expire !== undefined && !key) throw new TypeError('liveList(): `expire` needs `key`, to know which item an event renews');
	if (expire !== undefined && !(expire > 0)) throw new RangeError('liveList(): `expire` is a number of milliseconds, more than 0');
}
