import { afterEach, describe, expect, it, vi } from 'vitest';
import { PeriodicSweep } from './periodic-sweep.js';

describe('PeriodicSweep', () => {
	afterEach(() => void vi.useRealTimers());

	it('runs only between start and stop, and starts once however often it is asked', () => {
		vi.useFakeTimers();
		let runs = 0;
		const sweep = new PeriodicSweep(() => runs++, 1_000);
		vi.advanceTimersByTime(5_000);
		expect(runs).toBe(0);
		sweep.start();
		sweep.start();
		expect(sweep.running).toBe(true);
		vi.advanceTimersByTime(3_000);
		expect(runs).toBe(3);
		sweep.stop();
		expect(sweep.running).toBe(false);
		vi.advanceTimersByTime(5_000);
		expect(runs).toBe(3);
		sweep.start();
		vi.advanceTimersByTime(1_000);
		expect(runs).toBe(4);
		sweep.stop();
	});

	it('reads a changing period each time it starts', () => {
		vi.useFakeTimers();
		let period = 1_000;
		let runs = 0;
		const sweep = new PeriodicSweep(() => runs++, () => period);
		sweep.start();
		vi.advanceTimersByTime(2_000);
		sweep.stop();
		period = 500;
		sweep.start();
		vi.advanceTimersByTime(2_000);
		sweep.stop();
		expect(runs).toBe(2 + 4);
	});
});
