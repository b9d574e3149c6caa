import { afterEach, describe, expect, it, vi } from 'vitest';
import { CoalescingRate } from './coalescing-rate.js';

describe('CoalescingRate', () => {
	afterEach(() => void vi.useRealTimers());

	it('runs sends within the rate at once, and only the latest of each key held back, later, in key order', () => {
		vi.useFakeTimers();
		const rate = new CoalescingRate(2);
		const sent: string[] = [];
		for (let index = 0; index < 5; index++) rate.offer('a', () => sent.push(`a${index}`));
		rate.offer('b', () => sent.push('b0'));
		expect(sent).toEqual(['a0', 'a1']);
		expect(rate.waiting).toBe(2);
		vi.advanceTimersByTime(500);
		expect(sent).toEqual(['a0', 'a1', 'a4']);
		vi.advanceTimersByTime(500);
		expect(sent).toEqual(['a0', 'a1', 'a4', 'b0']);
		expect(rate.waiting).toBe(0);
	});

	it('keeps a bounded number of keys waiting, dropping the oldest', () => {
		vi.useFakeTimers();
		const rate = new CoalescingRate(1);
		rate.offer('first', () => {});
		for (let index = 0; index < 100; index++) rate.offer(`k${index}`, () => {});
		expect(rate.waiting).toBe(64);
		rate.stop();
		expect(rate.waiting).toBe(0);
	});
});
