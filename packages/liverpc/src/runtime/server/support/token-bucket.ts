/**
 * A token bucket: `capacity` tokens at most, refilled continuously at `perSecond`. Each
 * `take()` spends one token or answers false. One is kept per connection and per limit,
 * so it holds three numbers and reads the clock only when asked.
 */
export class TokenBucket {
	#tokens: number;
	#last: number;
	readonly #capacity: number;
	readonly #perMs: number;

	constructor(perSecond: number, capacity: number) {
		this.#capacity = capacity;
		this.#perMs = perSecond / 1000;
		this.#tokens = capacity;
		this.#last = Date.now();
	}

	/** True when the bucket holds all its tokens again: dropping it then loses nothing. */
	isFull(): boolean {
		return this.#tokens + (Date.now() - this.#last) * this.#perMs >= this.#capacity;
	}

	/** Spends one token if there is one. */
	take(): boolean {
		const now = Date.now();
		if (now !== this.#last) {
			this.#tokens = Math.min(this.#capacity, this.#tokens + (now - this.#last) * this.#perMs);
			this.#last = now;
		}
		if (this.#tokens < 1) return false;
		this.#tokens--;
		return true;
	}
}
