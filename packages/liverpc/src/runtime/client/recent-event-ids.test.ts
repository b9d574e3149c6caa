import { describe, expect, it } from 'vitest';
import { RecentEventIds } from './recent-event-ids.js';

describe('RecentEventIds', () => {
	it("asks from the oldest of the latest ids in the store's order, so an event announced late is found again", () => {
		const recent = new RecentEventIds();
		expect(recent.floors()).toBeUndefined();
		// 12 was stored before 13 and 14 but announced after them (held while Redis was away).
		for (const id of [10, 11, 13, 14, 12]) recent.add('message', id);
		recent.add('typing', 'b');
		recent.add('typing', 'a');
		expect(recent.floors()).toEqual({ message: 10, typing: 'a' });
		expect(recent.has('message', 12)).toBe(true);
		expect(recent.has('message', 9)).toBe(false);
	});

	it('remembers a bounded number of ids per event, forgetting the oldest delivered first', () => {
		const recent = new RecentEventIds();
		for (let id = 1; id <= 300; id++) recent.add('message', id);
		expect(recent.has('message', 1)).toBe(false);
		expect(recent.has('message', 300)).toBe(true);
		expect(recent.floors()).toEqual({ message: 45 });
	});
});
