import { describe, expect, it } from 'vitest';
import { RoomLog, RoomLogs, type LoggedEvent } from './room-log.js';

describe('a room log', () => {
	const filled = (from: number, to: number, size = 100) => {
		const log = new RoomLog('epoch', from - 1);
		for (let seq = from; seq <= to; seq++) log.push(seq, 'said', seq, undefined, size);
		return log;
	};

	it('covers a position only while every event after it is still kept', () => {
		const log = filled(1, 10, 4);
		expect(log.entries.map((entry) => entry.seq)).toEqual([7, 8, 9, 10]);
		expect(log.covers(6)).toBe(true);
		expect(log.covers(5)).toBe(false);
		expect(log.covers(10)).toBe(true);
		// A position past the newest event is from another life of the log (Redis restored from an old copy).
		expect(log.covers(11)).toBe(false);
		expect(log.after(8).map((entry) => entry.payload)).toEqual([9, 10]);
	});

	it('takes older events read back from Redis only when they end where its entries begin', () => {
		const log = filled(5, 6);
		const older = (from: number, to: number): LoggedEvent[] =>
			Array.from({ length: to - from + 1 }, (_, index) => ({ seq: from + index, name: 'said', payload: from + index, id: undefined, at: 0 }));
		log.prepend(older(1, 3));
		expect(log.covers(0)).toBe(false);
		log.prepend(older(2, 4));
		expect(log.entries.map((entry) => entry.seq)).toEqual([2, 3, 4, 5, 6]);
		expect(log.covers(1)).toBe(true);
	});

	it('in one process, numbers and delivers each emit at once, and gives a new log a new epoch', () => {
		const delivered: Array<[string, number]> = [];
		const logs = new RoomLogs({ size: 100, age: 60_000 }, () => true, (key, event) => delivered.push([key, event.seq]));
		logs.emit('a', 'said', 1, undefined);
		logs.emit('a', 'said', 2, undefined);
		logs.emit('b', 'said', 3, undefined);
		logs.stop();
		expect(delivered).toEqual([['a', 1], ['a', 2], ['b', 1]]);
		expect(logs.current('a')!.epoch).not.toBe(logs.current('b')!.epoch);
	});
});
