import { expect, it } from 'vitest';
import { retryDelay } from './backoff.js';

it('doubles from the base up to the cap, with jitter between half and all of each step', () => {
	for (let attempt = 0; attempt < 12; attempt++) {
		const step = Math.min(10_000, 500 * 2 ** attempt);
		for (let sample = 0; sample < 50; sample++) {
			const delay = retryDelay(attempt);
			expect(delay).toBeGreaterThanOrEqual(step / 2);
			expect(delay).toBeLessThanOrEqual(step);
		}
	}
	expect(retryDelay(3, { base: 10, max: 50 })).toBeLessThanOrEqual(50);
});

it('spreads retries out instead of syncing them', () => {
	const delays = new Set(Array.from({ length: 20 }, () => retryDelay(4)));
	expect(delays.size).toBeGreaterThan(10);
});
