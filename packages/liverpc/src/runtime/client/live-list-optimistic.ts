import type { ItemEventId, ListedItems } from './live-list-items.js';

/** An optimistic item waiting for its event: how many calls carry it, and whether one answered. */
interface Unconfirmed {
	calls: number;
	answered: boolean;
}

/**
 * The optimistic items of a live list: listed at once for a call, replaced by the room's
 * event whose `match` key (the call's idempotency key) is theirs, or by an answer that is
 * such an item, and taken out when every call of theirs failed first.
 */
export class OptimisticItems<T, K> {
	/** Optimistic items listed and not yet replaced by their event, by match key. */
	readonly #unconfirmed = new Map<unknown, Unconfirmed>();
	readonly #listed: ListedItems<T, K>;
	/** `pending`: the match keys of the items whose call has not answered, `$state` in Svelte, so a page that greys them re-renders. */
	readonly #state: { pending: unknown[] };
	readonly #match: ((item: T) => unknown) | undefined;
	readonly #key: ((item: T) => K) | undefined;
	readonly #ordered: boolean;

	constructor(listed: ListedItems<T, K>, state: { pending: unknown[] }, options: { match?: (item: T) => unknown; key?: (item: T) => K; ordered: boolean }) {
		this.#listed = listed;
		this.#state = state;
		this.#match = options.match;
		this.#key = options.key;
		this.#ordered = options.ordered;
	}

	/** Whether a listed item is an optimistic one still waiting for its event. */
	isHeld(item: T): boolean {
		return this.#unconfirmed.size > 0 && this.#unconfirmed.has(this.#match!(item));
	}

	isPending(item: T): boolean {
		return this.#match !== undefined && this.#state.pending.includes(this.#match(item));
	}

	/** Lists `item` for `call` (see `LiveList.optimistic`) and returns the call. */
	add<R>(item: T, call: Promise<R>): Promise<R> {
		const match = this.#match;
		if (!match) throw new TypeError('liveList(): optimistic() needs `match`, to find the event that confirms an item');
		const matchKey = match(item);
		if (matchKey === undefined) throw new TypeError('liveList(): an optimistic item needs the key `match` reads, the one its call was made with');
		const waiting = this.#unconfirmed.get(matchKey);
		if (waiting) waiting.calls++;
		else if (this.#indexOfMatch(matchKey) !== -1) return call; // confirmed already: a retry of a call whose event came
		else {
			this.#unconfirmed.set(matchKey, { calls: 1, answered: false });
			this.#state.pending.push(matchKey);
			this.#listed.insert(item, undefined, 'optimistic');
		}
		call.then(
			(answer) => this.#answered(matchKey, answer),
			() => this.#failed(matchKey)
		);
		return call;
	}

	/**
	 * An event of the list came: if it is the one an optimistic item waits for, it takes that
	 * item's place, once, and this returns true; else false, and it is listed as any event.
	 */
	confirm(item: T, id: ItemEventId): boolean {
		if (!this.#match || this.#unconfirmed.size === 0) return false;
		const matchKey = this.#match(item);
		if (matchKey === undefined || !this.#unconfirmed.has(matchKey)) return false;
		const index = this.#indexOfMatch(matchKey);
		this.#unconfirmed.delete(matchKey);
		this.#stopPending(matchKey);
		if (this.#key) this.#listed.keys.add(this.#key(item));
		this.#replace(index, item, id);
		return true;
	}

	#indexOfMatch(matchKey: unknown): number {
		return this.#listed.items.findIndex((listed) => this.#match!(listed) === matchKey);
	}

	#stopPending(matchKey: unknown): void {
		const at = this.#state.pending.indexOf(matchKey);
		if (at !== -1) this.#state.pending.splice(at, 1);
	}

	/** Puts `item` where the optimistic item at `index` is: the same place unless `order` says otherwise. */
	#replace(index: number, item: T, id: ItemEventId): void {
		if (index === -1) return this.#listed.insert(item, id, 'confirmed'); // not listed (never expected): list it as any event
		if (!this.#ordered) return this.#listed.replaceAt(index, item, id);
		this.#listed.removeAt(index);
		this.#listed.insert(item, id, 'optimistic');
	}

	/** A call of an optimistic item answered: it is no longer pending, and an answer that is the item takes its place. */
	#answered(matchKey: unknown, answer: unknown): void {
		const waiting = this.#unconfirmed.get(matchKey);
		if (!waiting) return; // its event came first
		waiting.calls--;
		waiting.answered = true;
		this.#stopPending(matchKey);
		if (typeof answer === 'object' && answer !== null && this.#match!(answer as T) === matchKey) this.#replace(this.#indexOfMatch(matchKey), answer as T, undefined);
	}

	/** A call of an optimistic item failed: unless its event came, or another call of it answered or may, it goes. */
	#failed(matchKey: unknown): void {
		const waiting = this.#unconfirmed.get(matchKey);
		if (!waiting) return;
		waiting.calls--;
		if (waiting.answered || waiting.calls > 0) return;
		this.#unconfirmed.delete(matchKey);
		this.#stopPending(matchKey);
		const index = this.#indexOfMatch(matchKey);
		if (index !== -1) this.#listed.removeAt(index);
	}
}
