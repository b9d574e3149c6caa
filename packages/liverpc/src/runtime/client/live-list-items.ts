/** The event id an item came with; undefined for an event without one, and for an optimistic item. */
export type ItemEventId = string | number | undefined;

/** How a {@link ListedItems} is arranged: the list's own options. */
export interface ItemArrangement<T, K> {
	key: ((item: T) => K) | undefined;
	order: ((a: T, b: T) => number) | undefined;
	/** How many items are kept, at first: `limit`. */
	limit: number;
	/** Whether an item is an optimistic one still waiting for its event: never the one dropped. */
	isHeld(item: T): boolean;
	/** An item left the list by the limit: its key, for whatever else is kept by key. */
	dropped(itemKey: K): void;
}

/**
 * The items of a live list (in its reactive state) and what is kept beside them: the event id
 * of each, at the same index, the keys listed, and how many it keeps. Every change of the
 * items goes through here, so the ids stay beside their items. The ids are kept in an array
 * of their own, not looked up by item, as Svelte hands out its own proxy of an item in `$state`.
 */
export class ListedItems<T, K> {
	/** The event id of each item, at the same index: the first one is where an older page starts. */
	readonly ids: ItemEventId[] = [];
	/** Keys listed, so that an event of a new key costs no search. Optimistic items are not in it. */
	readonly keys = new Set<K>();
	/** The most items kept: `limit`, raised by the items older pages brought. */
	capacity: number;
	readonly #state: { items: T[] };
	readonly #arrangement: ItemArrangement<T, K>;

	constructor(state: { items: T[] }, arrangement: ItemArrangement<T, K>) {
		this.#state = state;
		this.#arrangement = arrangement;
		this.capacity = arrangement.limit;
	}

	get items(): T[] {
		return this.#state.items;
	}

	place(index: number, item: T, id: ItemEventId): void {
		if (index === this.items.length) {
			this.items.push(item);
			this.ids.push(id);
		} else {
			this.items.splice(index, 0, item);
			this.ids.splice(index, 0, id);
		}
	}

	replaceAt(index: number, item: T, id: ItemEventId): void {
		this.items[index] = item;
		this.ids[index] = id ?? this.ids[index];
	}

	removeAt(index: number): T {
		this.ids.splice(index, 1);
		return this.items.splice(index, 1)[0]!;
	}

	/** Where the confirmed item of `itemKey` is listed; -1 when it is not. */
	indexOfKey(itemKey: K): number {
		const { key, isHeld } = this.#arrangement;
		return this.items.findIndex((listed) => key!(listed) === itemKey && !isHeld(listed));
	}

	/**
	 * Lists a new item: sorted by `order`, or else last, but a confirmed one before the
	 * optimistic items at the end (an event that arrives before one's own was stored before
	 * it). Past the capacity the oldest go; an optimistic one stays, or the page's own would vanish.
	 */
	insert(item: T, id: ItemEventId, among: 'confirmed' | 'optimistic'): void {
		const { key, order, isHeld, dropped } = this.#arrangement;
		const items = this.items;
		let index = items.length;
		if (order) while (index > 0 && order(items[index - 1]!, item) > 0) index--;
		else if (among === 'confirmed') while (index > 0 && isHeld(items[index - 1]!)) index--;
		this.place(index, item, id);
		while (items.length > this.capacity) {
			const oldest = items.findIndex((listed) => !isHeld(listed));
			if (oldest === -1) break;
			const gone = this.removeAt(oldest);
			if (key) {
				const goneKey = key(gone);
				this.keys.delete(goneKey);
				dropped(goneKey);
			}
		}
	}

	/** The list starts again: only the optimistic items stay, and the capacity is `limit` again. */
	restart(): void {
		const { isHeld, limit } = this.#arrangement;
		for (let index = this.items.length - 1; index >= 0; index--) if (!isHeld(this.items[index]!)) this.removeAt(index);
		this.keys.clear();
		this.capacity = limit;
	}
}
