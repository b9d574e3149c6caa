// Connection lifetime: every connection has a moment when its locals must be checked
// again. 10,000 connections with one `setTimeout` each would cost a Timeout object and a
// closure apiece for the life of each connection (the benchmark counts bytes per idle connection);
// instead a process keeps one timer per server and files connections in buckets of
// `TICK_MS`, so a connection costs one Set entry, and the timer only runs when a bucket is due.

/** How finely re-checks are timed: a connection is re-checked at most this late (its packets see the exact deadline). */
export const TICK_MS = 100;

const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/**
 * Items due at given moments, in buckets of {@link TICK_MS}, with one timer for the earliest.
 *
 * @example
 * ```ts
 * const schedule = new LifetimeSchedule<string>((id) => console.log(id, 'is due'));
 * const slot = schedule.add('a', Date.now() + 300);
 * schedule.remove('a', slot); // changed its mind
 * ```
 */
export class LifetimeSchedule<Item> {
	#buckets = new Map<number, Set<Item>>();
	#timer: ReturnType<typeof setTimeout> | undefined;
	/** The bucket the timer is set for; Infinity when none is. */
	#armedFor = Infinity;
	#due: (item: Item) => void;

	/** @param due called once per item whose moment has come, never inside `add` */
	constructor(due: (item: Item) => void) {
		this.#due = due;
	}

	/** Files `item` for the moment `at` (epoch ms); returns its slot, for {@link remove}. */
	add(item: Item, at: number): number {
		const slot = Math.ceil(at / TICK_MS);
		let bucket = this.#buckets.get(slot);
		if (!bucket) this.#buckets.set(slot, (bucket = new Set()));
		bucket.add(item);
		if (slot < this.#armedFor) this.#arm(slot);
		return slot;
	}

	/** Takes `item` out of its slot (a disconnect, a re-check started early). */
	remove(item: Item, slot: number): void {
		const bucket = this.#buckets.get(slot);
		if (!bucket?.delete(item)) return;
		if (bucket.size === 0) this.#buckets.delete(slot);
		// The timer may stay armed for an empty slot: firing then finds nothing and re-arms.
	}

	/** How many items are filed. */
	get size(): number {
		let size = 0;
		for (const bucket of this.#buckets.values()) size += bucket.size;
		return size;
	}

	/** Drops every item and the timer (the server closes). */
	stop(): void {
		clearTimeout(this.#timer);
		this.#timer = undefined;
		this.#armedFor = Infinity;
		this.#buckets.clear();
	}

	#arm(slot: number): void {
		clearTimeout(this.#timer);
		this.#armedFor = slot;
		// setTimeout takes at most 2^31 - 1 ms (24.8 days): a later slot is reached in steps.
		this.#timer = setTimeout(() => this.#fire(), Math.min(MAX_TIMEOUT_MS, Math.max(0, slot * TICK_MS - Date.now())));
		// The schedule never keeps a process alive by itself: its connections do.
		this.#timer.unref?.();
	}

	#fire(): void {
		this.#timer = undefined;
		this.#armedFor = Infinity;
		const now = Math.floor(Date.now() / TICK_MS);
		const due: Item[] = [];
		let next = Infinity;
		for (const [slot, bucket] of this.#buckets) {
			if (slot <= now) {
				for (const item of bucket) due.push(item);
				this.#buckets.delete(slot);
			} else if (slot < next) next = slot;
		}
		if (next !== Infinity) this.#arm(next);
		for (const item of due) {
			try {
				this.#due(item);
			} catch (thrown) {
				// Timers run outside Socket.IO, but a throw here would still stop the process.
				console.error('[liverpc] connection lifetime check threw:', thrown);
			}
		}
	}
}
