import { TokenBucket } from './token-bucket.js';

/** Sends waiting at most, per rate: the oldest are dropped past it (a bounded cost per member). */
const MAX_WAITING = 64;

/**
 * A rate that coalesces instead of refusing: within `perSecond` (a burst of as many), each
 * send runs at once; past it, the send waits, and a newer send with the same key replaces
 * it. Waiting sends run, oldest key first, as the rate allows again. Made for cursors and
 * "typing…": what matters is the latest value of each, not every step in between.
 *
 * @example
 * ```ts
 * const rate = new CoalescingRate(20);
 * rate.offer(`cursor:${userId}`, () => broadcast(position));
 * ```
 */
export class CoalescingRate {
	readonly #bucket: TokenBucket;
	readonly #interval: number;
	/** By key, oldest first: the latest send of each key that the rate held back. */
	readonly #waiting = new Map<string, () => void>();
	#timer: ReturnType<typeof setTimeout> | undefined;

	constructor(perSecond: number) {
		this.#bucket = new TokenBucket(perSecond, Math.max(1, perSecond));
		this.#interval = Number.isFinite(perSecond) ? Math.ceil(1000 / perSecond) : 0;
	}

	/** Runs `send` now if the rate allows and nothing waits, else keeps it as the latest of `key`. */
	offer(key: string, send: () => void): void {
		// Something waits: this send goes after it, so one key's sends keep their order.
		if (this.#waiting.size === 0 && this.#bucket.take()) return send();
		this.#waiting.delete(key);
		this.#waiting.set(key, send);
		if (this.#waiting.size > MAX_WAITING) this.#waiting.delete(this.#waiting.keys().next().value!);
		this.#timer ??= setTimeout(this.#release, this.#interval);
		this.#timer.unref?.();
	}

	/** How many sends wait. */
	get waiting(): number {
		return this.#waiting.size;
	}

	/** Drops what waits (its owner is gone). */
	stop(): void {
		clearTimeout(this.#timer);
		this.#timer = undefined;
		this.#waiting.clear();
	}

	readonly #release = (): void => {
		this.#timer = undefined;
		for (const [key, send] of this.#waiting) {
			if (!this.#bucket.take()) break;
			this.#waiting.delete(key);
			send();
		}
		if (this.#waiting.size > 0) {
			this.#timer = setTimeout(this.#release, this.#interval);
			this.#timer.unref?.();
		}
	};
}
