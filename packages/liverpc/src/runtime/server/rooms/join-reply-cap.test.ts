import { expect, it } from 'vitest';
import type { JoinEvent } from '../../shared/protocol.js';
import { newestJoinEvents } from './join-reply-cap.js';

const events = (count: number, text = 'x'): JoinEvent[] => Array.from({ length: count }, (_, index) => ['message', { id: index + 1, text }, 0, index + 1]);

it('keeps every event under both caps', () => {
	const all = events(10);
	expect(newestJoinEvents(all, 10, Infinity)).toEqual({ events: all, capped: false });
	expect(newestJoinEvents(all, Infinity, 1_000_000)).toEqual({ events: all, capped: false });
});

it('keeps the newest events that fit in the count', () => {
	const { events: kept, capped } = newestJoinEvents(events(2000), 500, Infinity);
	expect(capped).toBe(true);
	expect(kept.map((event) => event[3])).toEqual(Array.from({ length: 500 }, (_, index) => 1501 + index));
});

it('keeps the newest events that fit in the bytes, counted in UTF-8', () => {
	const all = events(100, '€'.repeat(100)); // 300 bytes of text each
	const one = Buffer.byteLength(JSON.stringify(all[0])) + 1;
	const { events: kept, capped } = newestJoinEvents(all, Infinity, one * 10 + one - 1);
	expect(capped).toBe(true);
	expect(kept.map((event) => event[3])).toEqual([91, 92, 93, 94, 95, 96, 97, 98, 99, 100]);
	// The encoded events stay within the cap.
	expect(Buffer.byteLength(JSON.stringify(kept))).toBeLessThanOrEqual(one * 11);
});

it('keeps none when the newest alone is larger than the cap', () => {
	expect(newestJoinEvents(events(3, 'x'.repeat(1000)), 10, 100)).toEqual({ events: [], capped: true });
});
