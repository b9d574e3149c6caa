import { expect, it } from 'vitest';
import { LifetimeSchedule, TICK_MS } from './lifetime-schedule.js';
import { lifetimeDeadline, MIN_LIFETIME_MS, readHookExpires } from './connection-lifetime.js';

it('calls each item once its moment has come, in buckets of a tick, with one timer', async () => {
	const due: Array<[string, number]> = [];
	const schedule = new LifetimeSchedule<string>((item) => due.push([item, Date.now()]));
	const start = Date.now();
	schedule.add('late', start + 250);
	schedule.add('early', start + 50);
	const slot = schedule.add('dropped', start + 60);
	schedule.remove('dropped', slot);
	expect(schedule.size).toBe(2);
	await new Promise((resolve) => setTimeout(resolve, 450));
	expect(due.map(([item]) => item)).toEqual(['early', 'late']);
	expect(due[0]![1] - start).toBeGreaterThanOrEqual(50);
	expect(due[1]![1] - start).toBeGreaterThanOrEqual(250);
	expect(due[1]![1] - start).toBeLessThan(250 + TICK_MS + 150);
	expect(schedule.size).toBe(0);
	schedule.stop();
});

it('spreads 10,000 connections made at once over many ticks, never past localsMaxAge', () => {
	const now = 1_000_000;
	const ticks = new Set<number>();
	for (let i = 0; i < 10_000; i++) {
		const { deadline, checkAt } = lifetimeDeadline(undefined, 300_000, now)!;
		expect(deadline).toBeLessThanOrEqual(now + 300_000);
		expect(deadline).toBeGreaterThanOrEqual(now + 270_000);
		expect(checkAt).toBe(deadline);
		ticks.add(Math.ceil(checkAt / TICK_MS));
	}
	expect(ticks.size).toBeGreaterThan(250);
});

it('takes the sooner of expires and localsMaxAge, never sooner than the minimum, and no deadline for Infinity', () => {
	const now = 1_000_000;
	expect(lifetimeDeadline(now + 60_000, 300_000, now)!.deadline).toBe(now + 60_000);
	expect(lifetimeDeadline(now + 60_000, 300_000, now)!.checkAt).toBeLessThanOrEqual(now + 61_000);
	expect(lifetimeDeadline(now + 900_000, 300_000, now)!.deadline).toBeLessThanOrEqual(now + 300_000);
	expect(lifetimeDeadline(now - 5_000, 300_000, now)!.deadline).toBe(now + MIN_LIFETIME_MS);
	expect(lifetimeDeadline(undefined, Infinity, now)).toBeUndefined();
	expect(lifetimeDeadline(now + 1_000, Infinity, now)!.deadline).toBe(now + 1_000);
});

it('reads expires as a Date or epoch ms, and names anything else', () => {
	expect(readHookExpires(undefined)).toBeUndefined();
	expect(readHookExpires(new Date(5_000))).toBe(5_000);
	expect(readHookExpires(7_000)).toBe(7_000);
	expect(() => readHookExpires('tomorrow')).toThrow(/expires must be a Date or a time in ms/);
	expect(() => readHookExpires(new Date('nonsense'))).toThrow(/expires must be a Date/);
});
