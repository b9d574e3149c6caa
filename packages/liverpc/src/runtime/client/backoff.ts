/** How long to wait before retry number `attempt` (0-based). */
export interface Backoff {
	/** First delay in ms. Default 500. */
	base?: number;
	/** Longest delay in ms. Default 10 000. */
	max?: number;
	/**
	 * How often a join that failed with a server error (5xx) or a rate limit (429) is tried
	 * again before the room shows `rejected` with that error. Default 5; a new connection
	 * tries once more.
	 */
	retries?: number;
}

/**
 * Exponential backoff with full jitter between half and all of the step, so a server that
 * restarts under a thousand tabs is not met by a thousand retries in the same millisecond.
 */
export function retryDelay(attempt: number, backoff: Backoff = {}): number {
	const base = backoff.base ?? 500;
	const max = backoff.max ?? 10_000;
	const step = Math.min(max, base * 2 ** Math.min(attempt, 30));
	return step / 2 + Math.random() * (step / 2);
}
