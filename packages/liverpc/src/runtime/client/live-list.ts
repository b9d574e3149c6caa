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
	/** Keeps only the last `limit` items (the latest, or the greatest in `order`); an optimistic item is never the one dropped. */
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

/** An optimistic item waiting for its event: how many calls carry it, and whether one answered. */
interface Unconfirmed {
	calls: number;
	answered: boolean;
}

/** Makes a {@link LiveList} of event `event` of `room`; the entries' `liveList` call it. */
export function createLiveList<T, K>(makeState: MakeState, room: unknown, event: string, options: LiveListOptions<Record<string, T>, string, K> = {}): LiveList<T> {
	const { key, remove = {}, order, limit = Infinity, expire, match } = options;
	if (!key && Object.keys(remove).length > 0) throw new TypeError('liveList(): `remove` needs `key`, to find the item an event removes');
	if (!(limit >= 0)) throw new RangeError('liveList(): `limit` is a number of items, 0 or more');
	if (expire !== undefined && !key) throw new TypeError('liveList(): `expire` needs `key`, to know which item an event renews');
	if (expire !== undefined && !(expire > 0)) throw new RangeError('liveList(): `expire` is a number of milliseconds, more than 0');
	const feed = roomFeedOf(room, 'liveList');
	// `pending`: the match keys of optimistic items whose call has not answered, read by
	// `isPending()` (so that, in Svelte, a page that greys them re-renders when one answers).
	const state = makeState({ items: [] as T[], pending: [] as unknown[] });
	/** Keys listed, so that an event of a new key costs no search. Optimistic items are not in it. */
	const keys = new Set<K>();
	/** Optimistic items listed and not yet replaced by their event, by match key. */
	const unconfirmed = new Map<unknown, Unconfirmed>();
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
	function insert(item: T, among: 'confirmed' | 'optimistic'): void {
		const items = state.items;
		let index = items.length;
		if (order) while (index > 0 && order(items[index - 1]!, item) > 0) index--;
		else if (among === 'confirmed') while (index > 0 && isOptimistic(items[index - 1]!)) index--;
		if (index === items.length) items.push(item);
		else items.splice(index, 0, item);
		// Past the limit, the oldest go; an optimistic one stays, or the page's own would vanish.
		while (items.length > limit) {
			const oldest = items.findIndex((listed) => !isOptimistic(listed));
			if (oldest === -1) break;
			const [gone] = items.splice(oldest, 1);
			if (key) forget(key(gone!));
		}
	}

	/** Puts `item` where the optimistic item at `index` is: the same place unless `order` says otherwise. */
	function replaceOptimistic(index: number, item: T): void {
		if (index === -1) return insert(item, 'confirmed'); // not listed (never expected): list it as any event
		if (!order) {
			state.items[index] = item;
			return;
		}
		state.items.splice(index, 1);
		insert(item, 'optimistic');
	}

	function add(item: T): void {
		if (match && unconfirmed.size > 0) {
			const matchKey = match(item);
			if (matchKey !== undefined && unconfirmed.has(matchKey)) {
				// The event of an optimistic item: it takes that item's place, once.
				const index = indexOfMatch(matchKey);
				unconfirmed.delete(matchKey);
				stopPending(matchKey);
				if (key) keys.add(key(item));
				return replaceOptimistic(index, item);
			}
		}
		if (key) {
			const itemKey = key(item);
			if (expire !== undefined) expireLater(itemKey);
			if (keys.has(itemKey)) {
				const items = state.items;
				items[items.findIndex((listed) => key(listed) === itemKey && !isOptimistic(listed))] = item;
				return;
			}
			keys.add(itemKey);
		}
		insert(item, 'confirmed');
	}

	function drop(itemKey: K): void {
		clearTimeout(expiries.get(itemKey));
		expiries.delete(itemKey);
		if (!keys.delete(itemKey)) return;
		state.items.splice(
			state.items.findIndex((listed) => key!(listed) === itemKey && !isOptimistic(listed)),
			1
		);
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
		if (typeof answer === 'object' && answer !== null && match!(answer as T) === matchKey) replaceOptimistic(indexOfMatch(matchKey), answer as T);
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
		if (index !== -1) state.items.splice(index, 1);
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
			insert(item, 'optimistic');
		}
		call.then(
			(answer) => answered(matchKey, answer),
			() => failed(matchKey)
		);
		return call;
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
			state.items = unconfirmed.size > 0 ? state.items.filter(isOptimistic) : [];
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
