/**
 * The `expire` of a live list: by key, the timer that removes an item unless an event renews
 * it first ("typing…", cursors, whose sender may go without a word).
 */
export class ItemExpiry<K> {
	readonly #timers = new Map<K, ReturnType<typeof setTimeout>>();
	readonly #after: number | undefined;
	readonly #expired: (itemKey: K) => void;

	/** @param after ms, or undefined for items that stay; `expired` removes the item of a key */
	constructor(after: number | undefined, expired: (itemKey: K) => void) {
		this.#after = after;
		this.#expired = expired;
	}

	/** An event of `itemKey` came: its time starts again. */
	renew(itemKey: K): void {
		if (this.#after === undefined) return;
		clearTimeout(this.#timers.get(itemKey));
		this.#timers.set(
			itemKey,
			setTimeout(() => {
				this.#timers.delete(itemKey);
				this.#expired(itemKey);
			}, this.#after)
		);
	}

	/** The item of `itemKey` left the list some other way. */
	forget(itemKey: K): void {
		clearTimeout(this.#timers.get(itemKey));
		this.#timers.delete(itemKey);
	}

	/** Every timer stops: the list started again, or stopped. */
	clear(): void {
		for (const timer of this.#timers.values()) clearTimeout(timer);
		this.#timers.clear();
	}
}
