import { afterEach, expect, it, vi } from 'vitest';
import { TokenBucket } from './token-bucket.js';

afterEach(() => vi.useRealTimers());

it('allows a burst of `capacity`, then refills at the rate', () => {
	vi.useFakeTimers({ now: 1_000_000 });
	const bucket = new TokenBucket(10, 3);
	expect([bucket.take(), bucket.take(), bucket.take(), bucket.take()]).toEqual([true, true, true, false]);
	vi.advanceTimersByTime(99);
	expect(bucket.take()).toBe(false); // 0.99 of a token
	vi.advanceTimersByTime(1);
	expect(bucket.take()).toBe(true);
	expect(bucket.take()).toBe(false);
	vi.advanceTimersByTime(60_000);
	// Never more than the capacity, however long it was idle.
	expect([bucket.take(), bucket.take(), bucket.take(), bucket.take()]).toEqual([true, true, true, false]);
});

it('never refuses with an infinite rate', () => {
	const bucket = new TokenBucket(Infinity, Infinity);
	for (let i = 0; i < 10_000; i++) expect(bucket.take()).toBe(true);
});
