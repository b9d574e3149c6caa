import { describe, expect, it } from 'vitest';
import type { Activity } from '../telemetry/server-telemetry.js';
import { ActivityRing } from './activity-ring.js';

const call = (name: string): Activity => ({ kind: 'call', at: 0, route: 'r', name, connectionId: 'c', status: 200, ms: 1 });

describe('ActivityRing', () => {
	it('keeps the last `capacity` activities, numbered, and gives those after a number', () => {
		const ring = new ActivityRing(3);
		expect(ring.since(0)).toEqual([]);
		for (const name of ['a', 'b', 'c', 'd', 'e']) ring.add(call(name));
		expect(ring.last).toBe(5);
		expect(ring.since(0).map((each) => [each.seq, each.name])).toEqual([
			[3, 'c'],
			[4, 'd'],
			[5, 'e']
		]);
		expect(ring.since(4).map((each) => each.name)).toEqual(['e']);
		expect(ring.since(5)).toEqual([]);
	});
});
