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

/** An optimistic item waiting for its event: how many calls carry it, and whether one answered. */
interface Unconfirmed {
	calls: number;
	answered: boolean;
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
	if (!key && Object.keys(remove).length > 0) throw new TypeError('liveList(): `remove` needs `key`, to find the item an event removes');
	if (!(limit >= 0)) throw new RangeError('liveList(): `limit` is a number of items, 0 or more');
	if (expire !== undefined && !key) throw new TypeError('liveList(): `expire` needs `key`, to know which item an event renews');
	if (expire !== undefined && !(expire > 0)) throw new RangeError('liveList(): `expire` is a number of milliseconds, more than 0');
	const feed = roomFeedOf(room, 'liveList');
	// `pending`: the match keys of optimistic items whose call has not answered, read by
	// `isPending()` (so that, in Svelte, a page that greys them re-renders when one answers).
	const state = makeState({ items: [] as T[], pending: [] as unknown[], loadingEarlier: false, hasEarlier: false });
	/** Keys listed, so that an event of a new key costs no search. Optimistic items are not in it. */
	const keys = new Set<K>();
	/**
	 * The event id of each item, at the same index (undefined for an event without one, and
	 * for an optimistic item): the first one is where an older page starts. Kept beside
	 * `items`, not looked up by item, as Svelte hands out its own proxy of an item in `$state`.
	 * Every change of `items` goes through {@link place}, {@link replaceAt} or {@link removeAt}.
	 */
	const ids: Array<string | number | undefined> = [];
	/** Optimistic items listed and not yet replaced by their event, by match key. */
	const unconfirmed = new Map<unknown, Unconfirmed>();
	/** Since a join that did not resume: its events rebuild the list, those seen before included. */
	let rebuilding = false;
	/** With `expire`: by key, the timer that removes the item unless an event renews it first. */
	const expiries = new Map<K, ReturnType<typeof setTimeout>>();
	/** The most items kept: `limit`, raised by the items older pages brought. */
	let capacity = limit;
	/** A page said the store has nothing older than the first item (until the list starts again). */
	let reachedFirst = false;
	/** Bumped whenever the list starts again: a page asked before then is dropped. */
	let generation = 0;
	let loading: Promise<number> | undefined;

	function place(index: number, item: T, id: string | number | undefined): void {
		if (index === state.items.length) {
			state.items.push(item);
			ids.push(id);
		} else {
			state.items.splice(index, 0, item);
			ids.splice(index, 0, id);
		}
	}

	function replaceAt(index: number, item: T, id: string | number | undefined): void {
		state.items[index] = item;
		ids[index] = id ?? ids[index];
	}

	function removeAt(index: number): T {
		ids.splice(index, 1);
		return state.items.splice(index, 1)[0]!;
	}

	function updateHasEarlier(): void {
		const has = !reachedFirst && ids.some((id) => id !== undefined);
		if (state.hasEarlier !== has) state.hasEarlier = has;
	}

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

	/** An item that left the list: its key, and its expiry timer if any. */
	function forget(itemKey: K): void {
		keys.delete(itemKey);
		clearTimeout(expiries.get(itemKey));
		expiries.delete(itemKey);
	}

	function forgetExpiries(): void {
		for (const timer of expiries.values()) clearTimeout(timer);
		expiries.clear();
	}

	/** Whether a listed item is an optimistic one still waiting for its event. */
	function isOptimistic(item: T): boolean {
		return unconfirmed.size > 0 && unconfirmed.has(match!(item));
	}

	function indexOfMatch(matchKey: unknown): number {
		return state.items.findIndex((listed) => match!(listed) === matchKey);
	}

	/**
	 * Where a new item goes: sorted by `order`, or else last, but before the optimistic items
	 * at the end (an event that arrives before one's own was stored before it).
	 */
	function insert(item: T, id: string | number | undefined, among: 'confirmed' | 'optimistic'): void {
		const items = state.items;
		let index = items.length;
		if (order) while (index > 0 && order(items[index - 1]!, item) > 0) index--;
		else if (among === 'confirmed') while (index > 0 && isOptimistic(items[index - 1]!)) index--;
		place(index, item, id);
		// Past the limit, the oldest go; an optimistic one stays, or the page's own would vanish.
		while (items.length > capacity) {
			const oldest = items.findIndex((listed) => !isOptimistic(listed));
			if (oldest === -1) break;
			const gone = removeAt(oldest);
			if (key) forget(key(gone));
		}
	}

	/** Puts `item` where the optimistic item at `index` is: the same place unless `order` says otherwise. */
	function replaceOptimistic(index: number, item: T, id: string | number | undefined): void {
		if (index === -1) return insert(item, id, 'confirmed'); // not listed (never expected): list it as any event
		if (!order) return replaceAt(index, item, id);
		removeAt(index);
		insert(item, id, 'optimistic');
	}

	function add(item: T, id: string | number | undefined): void {
		if (match && unconfirmed.size > 0) {
			const matchKey = match(item);
			if (matchKey !== undefined && unconfirmed.has(matchKey)) {
				// The event of an optimistic item: it takes that item's place, once.
				const index = indexOfMatch(matchKey);
				unconfirmed.delete(matchKey);
				stopPending(matchKey);
				if (key) keys.add(key(item));
				replaceOptimistic(index, item, id);
				return updateHasEarlier();
			}
		}
		if (key) {
			const itemKey = key(item);
			if (expire !== undefined) expireLater(itemKey);
			if (keys.has(itemKey)) {
				replaceAt(
					state.items.findIndex((listed) => key(listed) === itemKey && !isOptimistic(listed)),
					item,
					id
				);
				return updateHasEarlier();
			}
			keys.add(itemKey);
		}
		insert(item, id, 'confirmed');
		updateHasEarlier();
	}

	function drop(itemKey: K): void {
		clearTimeout(expiries.get(itemKey));
		expiries.delete(itemKey);
		if (!keys.delete(itemKey)) return;
		removeAt(state.items.findIndex((listed) => key!(listed) === itemKey && !isOptimistic(listed)));
		updateHasEarlier();
	}

	function stopPending(matchKey: unknown): void {
		const at = state.pending.indexOf(matchKey);
		if (at !== -1) state.pending.splice(at, 1);
	}

	/** A call of an optimistic item answered: it is no longer pending, and an answer that is the item takes its place. */
	function answered(matchKey: unknown, answer: unknown): void {
		const waiting = unconfirmed.get(matchKey);
		if (!waiting) return; // its event came first
		waiting.calls--;
		waiting.answered = true;
		stopPending(matchKey);
		if (typeof answer === 'object' && answer !== null && match!(answer as T) === matchKey) replaceOptimistic(indexOfMatch(matchKey), answer as T, undefined);
	}

	/** A call of an optimistic item failed: unless its event came, or another call of it answered or may, it goes. */
	function failed(matchKey: unknown): void {
		const waiting = unconfirmed.get(matchKey);
		if (!waiting) return;
		waiting.calls--;
		if (waiting.answered || waiting.calls > 0) return;
		unconfirmed.delete(matchKey);
		stopPending(matchKey);
		const index = indexOfMatch(matchKey);
		if (index !== -1) removeAt(index);
	}

	function optimistic<R>(item: T, call: Promise<R>): Promise<R> {
		if (!match) throw new TypeError('liveList(): optimistic() needs `match`, to find the event that confirms an item');
		const matchKey = match(item);
		if (matchKey === undefined) throw new TypeError('liveList(): an optimistic item needs the key `match` reads, the one its call was made with');
		const waiting = unconfirmed.get(matchKey);
		if (waiting) waiting.calls++;
		else if (indexOfMatch(matchKey) !== -1) return call; // confirmed already: a retry of a call whose event came
		else {
			unconfirmed.set(matchKey, { calls: 1, answered: false });
			state.pending.push(matchKey);
			insert(item, undefined, 'optimistic');
		}
		call.then(
			(answer) => answered(matchKey, answer),
			() => failed(matchKey)
		);
		return call;
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
				place(index, item, id);
			}
		} else {
			fresh.forEach(([item, id], index) => place(index, item, id));
		}
		return fresh.length;
	}

	function loadEarlier(count = EARLIER_PAGE): Promise<number> {
		if (loading) return loading;
		if (!Number.isSafeInteger(count) || count < 1) return Promise.reject(new RangeError('loadEarlier(): `count` is a whole number of events, 1 or more'));
		const before = ids.find((id) => id !== undefined);
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
			// Optimistic items stay: their events are still to come (maybe in this join's).
			for (let index = state.items.length - 1; index >= 0; index--) if (!isOptimistic(state.items[index]!)) removeAt(index);
			keys.clear();
			forgetExpiries();
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
		loadEarlier,
		optimistic,
		isPending(item) {
			return match !== undefined && state.pending.includes(match(item));
		},
		stop() {
			unfollow();
			forgetExpiries();
		}
	};
}
