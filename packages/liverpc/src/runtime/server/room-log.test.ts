import { describe, expect, it } from 'vitest';
import { RoomLogs, type SeenEvents } from './room-log.js';

// Scaled out (#12), a member that moves to another process is resumed from that process's
// log by what it has of each process's events: the logs of two processes hold the same
// events, each in its own order.
describe('a room log read by what a member has seen of each process', () => {
	const logOf = (events: Array<[origin: string, number: number]>) => {
		const logs = new RoomLogs({ size: 100, age: 60_000 }, () => true);
		for (const [origin, number] of events) logs.append('room', 'said', `${origin}${number}`, undefined, origin, number);
		logs.stop();
		return logs.open('room');
	};
	const missed = (events: Array<[string, number]>, seen: SeenEvents) => logOf(events).afterSeen(seen).map((event) => event.payload);

	it('gives what the member lacks of each process, in this log order, even where the orders differ', () => {
		// On the member's old process: a1, b1, a2 | b2, a3. Here b1 came after a2.
		const here: Array<[string, number]> = [['a', 1], ['a', 2], ['b', 1], ['b', 2], ['a', 3]];
		expect(missed(here, { a: 2, b: 1 })).toEqual(['b2', 'a3']);
		// It had a1 and b1 only: a2 is missing although it comes before b1 here.
		expect(missed(here, { a: 1, b: 1 })).toEqual(['a2', 'b2', 'a3']);
	});

	it('counts the events of a process the member never heard of as new only after the last one it has', () => {
		const here: Array<[string, number]> = [['c', 7], ['a', 1], ['c', 8], ['a', 2], ['c', 9]];
		expect(missed(here, { a: 1 })).toEqual(['c8', 'a2', 'c9']);
	});

	it('covers a member only if it had this log\'s oldest event, so that nothing it lacks was dropped here', () => {
		const log = logOf([['a', 5], ['b', 1]]);
		expect(log.coversSeen({ a: 5 })).toBe(true);
		expect(log.coversSeen({ a: 4, b: 1 })).toBe(false);
		expect(log.coversSeen({ b: 1 })).toBe(false);
		expect(logOf([]).coversSeen({ a: 1 })).toBe(false);
	});

	it('tells a joining member the latest number of each process that still has events here', () => {
		const logs = new RoomLogs({ size: 2, age: 60_000 }, () => true);
		for (const [origin, number] of [['old', 1], ['a', 4], ['b', 9]] as const) logs.append('room', 'said', null, undefined, origin, number);
		logs.stop();
		expect({ ...logs.get('room')!.seenOfProcessesLogged() }).toEqual({ a: 4, b: 9 });
	});
});
