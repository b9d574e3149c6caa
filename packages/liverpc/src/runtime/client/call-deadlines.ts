/** Something that must be settled by a deadline: a call not answered yet. */
export interface Deadlined {
	/** `Date.now()` value past which it expires; set by {@link CallDeadlines.track}. */
	deadline: number;
}

/**
 * The overall call timeout: every call is answered or rejected within `timeout` ms of
 * being made, whatever happens to its reply (a server that never answers, an answer lost
 * with the connection up). One shared interval sweeps the calls by deadline instead of a
 * timer per call: the hot path only stamps a number and adds to a set. The interval runs
 * only while calls are pending (it stops at the first sweep that finds none) and is
 * `unref`ed in Node, so an idle client keeps no timer and no process alive.
 *
 * @example
 * ```ts
 * const deadlines = new CallDeadlines<{ deadline: number }>(30_000, (call) => rejectWith504(call));
 * deadlines.track(call); // when the call is made
 * deadlines.untrack(call); // when it is answered
 * ```
 */
export class CallDeadlines<T extends Deadlined> {
	readonly timeout: number;
	#expire: (item: T) => void;
	#pending = new Set<T>();
	#timer: ReturnType<typeof setInterval> | undefined;
	/** How often the sweep runs: a quarter of the timeout, between 10 ms and 1 s. */
	#period: number;

	/** @param timeout ms; `Infinity` (or any non-finite or non-positive value) tracks nothing */
	constructor(timeout: number, expire: (item: T) => void) {
		this.timeout = timeout;
		this.#expire = expire;
		this.#period = Math.min(1000, Math.max(10, Math.floor(timeout / 4)));
	}

	/** Starts the clock of `item`: it expires `timeout` ms from now unless untracked first. */
	track(item: T): void {
		if (!(this.timeout > 0 && this.timeout < Infinity)) return;
		item.deadline = Date.now() + this.timeout;
		this.#pending.add(item);
		if (this.#timer === undefined) {
			this.#timer = setInterval(() => this.#sweep(), this.#period);
			(this.#timer as { unref?: () => void }).unref?.();
		}
	}

	/** The item was settled: its clock stops. */
	untrack(item: T): void {
		this.#pending.delete(item);
	}

	#sweep(): void {
		if (this.#pending.size === 0) {
			clearInterval(this.#timer);
			this.#timer = undefined;
			return;
		}
		const now = Date.now();
		// A set keeps insertion order, which is deadline order (one timeout for all): the sweep
		// stops at the first call still in time. Deleting while iterating a Set is safe.
		for (const item of this.#pending) {
			if (item.deadline > now) break;
			this.#pending.delete(item);
			this.#expire(item);
		}
	}
}
