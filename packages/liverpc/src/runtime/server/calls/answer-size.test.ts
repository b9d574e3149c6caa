import { expect, it } from 'vitest';
import { answerSize } from './answer-size.js';

it('counts about the JSON size of an answer', () => {
	const value = { id: 'a', n: 1, ok: true, list: [null, 'xy'] };
	const json = JSON.stringify(value).length;
	expect(Math.abs(answerSize(value, 1024) - json)).toBeLessThanOrEqual(json / 2);
	expect(answerSize(new Uint8Array(5000), 1e6)).toBe(5000);
});

it('stops once past the limit, whatever the answer holds', () => {
	expect(answerSize('x'.repeat(1e6), 1024)).toBeGreaterThan(1024);
	const wide = Array.from({ length: 1e6 }, () => 0);
	expect(answerSize(wide, 1024)).toBeLessThan(1024 + 20);
	const cycle: Record<string, unknown> = {};
	cycle.self = cycle;
	expect(answerSize(cycle, 1024)).toBeGreaterThan(1024);
});
