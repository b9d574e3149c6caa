// A store that forgets (room logs, call memory, shared budgets) runs a sweep while it holds
// something, and no timer at all while it is empty: an idle server, or one in a test, keeps
// no interval alive, and a store that refills starts sweeping again by itself.

/**
 * An unref'd interval that a store starts when it first keeps something ({@link start},
 * cheap to call on every insert) and stops when it is empty again.
 *
 * @example
 * ```ts
 * readonly #sweep = new PeriodicSweep(() => this.sweep(), 60_000);
 * add(key: string, value: V) {
 *   this.#map.set(key, value);
 *   this.#sweep.start();
 * }
 * sweep() {
 *   // …forget what is stale…
 *   if (this.#map.size === 0) this.#sweep.stop();
 * }
 * ```
 */
export class PeriodicSweep {
	#timer: ReturnType<typeof setInterval> | undefined;
	readonly #run: () => void;
	readonly #every: () => number;

	/** @param every milliseconds between sweeps, read each time the sweep starts */
	constructor(run: () => void, every: number | (() => number)) {
		this.#run = run;
		this.#every = typeof every === 'number' ? () => every : every;
	}

	/** Starts sweeping, unless it already is. */
	start(): void {
		if (this.#timer !== undefined) return;
		this.#timer = setInterval(this.#run, this.#every());
		// A sweep never keeps the process alive: adapter-node's shutdown must be able to finish.
		this.#timer.unref();
	}

	/** Stops sweeping; the next {@link start} begins again. */
	stop(): void {
		clearInterval(this.#timer);
		this.#timer = undefined;
	}

	/** Whether a sweep is scheduled (for tests). */
	get running(): boolean {
		return this.#timer !== undefined;
	}
}
