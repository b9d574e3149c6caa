import { CLIENT_ERRORS, LiveError } from './live-error.js';
import type { ListedItems } from './live-list-items.js';
import { ROOM_HISTORY, type RoomFeedSource } from './room-feed.js';

/** How many older events `loadEarlier()` asks for when not told: a screenful or two of chat. */
export const EARLIER_PAGE = 50;

/**
 * A live list's older pages: what `loadEarlier()` asks of the room (the events before the
 * first item's id, from the event's `history`), and `hasEarlier` / `loadingEarlier`.
 */
export class EarlierPages<T, K> {
	readonly #listed: ListedItems<T, K>;
	readonly #state: { loadingEarlier: boolean; hasEarlier: boolean };
	readonly #feed: RoomFeedSource;
	readonly #event: string;
	readonly #key: ((item: T) => K) | undefined;
	readonly #order: ((a: T, b: T) => number) | undefined;
	/** A page said the store has nothing older than the first item (until the list starts again). */
	#reachedFirst = false;
	/** Bumped whenever the list starts again: a page asked before then is dropped. */
	#generation = 0;
	#loading: Promise<number> | undefined;

	constructor(
		listed: ListedItems<T, K>,
		state: { loadingEarlier: boolean; hasEarlier: boolean },
		room: { feed: RoomFeedSource; event: string; key: ((item: T) => K) | undefined; order: ((a: T, b: T) => number) | undefined }
	) {
		this.#listed = listed;
		this.#state = state;
		this.#feed = room.feed;
		this.#event = room.event;
		this.#key = room.key;
		this.#order = room.order;
	}

	/** The items changed: whether there may be older ones now. */
	update(): void {
		const has = !this.#reachedFirst && this.#listed.ids.some((id) => id !== undefined);
		if (this.#state.hasEarlier !== has) this.#state.hasEarlier = has;
	}

	/** The list starts again: a page under way is dropped, and older ones may be there again. */
	restart(): void {
		this.#reachedFirst = false;
		this.#generation++;
		this.update();
	}

	load(count = EARLIER_PAGE): Promise<number> {
		if (this.#loading) return this.#loading;
		if (!Number.isSafeInteger(count) || count < 1) return Promise.reject(new RangeError('loadEarlier(): `count` is a whole number of events, 1 or more'));
		const before = this.#listed.ids.find((id) => id !== undefined);
		if (this.#reachedFirst || before === undefined) return Promise.resolve(0);
		const read = this.#feed[ROOM_HISTORY];
		if (!read) return Promise.reject(new LiveError(CLIENT_ERRORS.serverRendering));
		const asked = this.#generation;
		this.#state.loadingEarlier = true;
		const settled = () => {
			this.#loading = undefined;
			this.#state.loadingEarlier = false;
		};
		this.#loading = read.call(this.#feed, this.#event, before, count).then(
			(page) => {
				settled();
				// The list started again meanwhile: the page was older than what it lists now.
				if (asked !== this.#generation) return 0;
				const added = this.#addEarlier(page.events);
				// No older ones, or none the list lacks (a history that ignores `before`).
				if (!page.more || added === 0) this.#reachedFirst = true;
				this.update();
				return added;
			},
			(thrown: unknown) => {
				settled();
				throw thrown;
			}
		);
		return this.#loading;
	}

	/** Lists a page of older events (oldest first) before the items; returns how many were new. */
	#addEarlier(events: ReadonlyArray<[payload: unknown, id: string | number]>): number {
		const listed = this.#listed;
		const fresh: Array<[T, string | number]> = [];
		for (const [payload, id] of events) {
			const item = payload as T;
			if (this.#key) {
				const itemKey = this.#key(item);
				if (listed.keys.has(itemKey)) continue;
				listed.keys.add(itemKey);
			}
			fresh.push([item, id]);
		}
		listed.capacity += fresh.length;
		const order = this.#order;
		if (order) {
			// Placed by `order`, from the front, where older items belong.
			for (const [item, id] of fresh) {
				let index = 0;
				while (index < listed.items.length && order(listed.items[index]!, item) <= 0) index++;
				listed.place(index, item, id);
			}
		} else {
			fresh.forEach(([item, id], index) => listed.place(index, item, id));
		}
		return fresh.length;
	}
}
