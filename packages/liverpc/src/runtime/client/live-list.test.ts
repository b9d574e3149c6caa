import { expect, it, vi } from 'vitest';
import { createLiveList } from './live-list.js';
import { plainState } from './reactive-state.js';
import { handDrivenRoom } from '../../../test/support/hand-driven-room.js';

interface Message {
	id: number;
	text: string;
}

const m = (id: number, text = `m${id}`): Message => ({ id, text });
const texts = (items: readonly Message[]) => items.map((item) => item.text);

it('lists the join’s events, then live ones, in the order delivered; other events are not its own', () => {
	const room = handDrivenRoom();
	const list = createLiveList<Message, never>(plainState, room, 'message');
	room.joined();
	room.emit('message', m(1));
	room.emit('message', m(2));
	room.emit('notice', { text: 'not a message' });
	room.emit('message', m(3));
	expect(texts(list.items)).toEqual(['m1', 'm2', 'm3']);
});

it('skips what a join delivers again, unless that join did not resume: then it rebuilds from the join', () => {
	const room = handDrivenRoom();
	const list = createLiveList<Message, never>(plainState, room, 'message');
	room.joined();
	room.emit('message', m(1));
	room.emit('message', m(2));
	// A re-join that resumed: its events asked from a little before the last are seen ones.
	room.joined(true);
	room.emit('message', m(2), true);
	room.emit('message', m(3));
	expect(texts(list.items)).toEqual(['m1', 'm2', 'm3']);
	// A re-join that could not fill the gap: the list is this join's events, seen ones included.
	room.joined(false);
	room.emit('message', m(3), true);
	room.emit('message', m(9));
	expect(texts(list.items)).toEqual(['m3', 'm9']);
	room.emit('message', m(10));
	expect(texts(list.items)).toEqual(['m3', 'm9', 'm10']);
});

it('keeps what it has after a join that did not resume but whose events carry on from it', () => {
	const room = handDrivenRoom();
	const list = createLiveList<Message, number>(plainState, room, 'message', { key: (item) => item.id });
	const removing = createLiveList<Message, number>(plainState, room, 'message', { key: (item) => item.id, remove: { deleted: (gone) => gone.id } });
	room.joined();
	for (const id of [1, 2, 3]) room.emit('message', m(id));
	// The join was cut to its newest events, which still begin with one the list has: no hole.
	room.joined(false, ['message']);
	room.emit('message', m(3), true);
	room.emit('message', m(4));
	expect(texts(list.items)).toEqual(['m1', 'm2', 'm3', 'm4']);
	// A list that removes by another event cannot know it missed no removal: it starts again.
	expect(texts(removing.items)).toEqual(['m3', 'm4']);
});

it('upserts by key where the item stands, and removes by the key a removing event names', () => {
	const room = handDrivenRoom();
	const list = createLiveList<Message | { id: number }, number>(plainState, room, 'message', {
		key: (item) => item.id,
		remove: { deleted: (gone) => gone.id }
	});
	room.joined();
	room.emit('message', m(1));
	room.emit('message', m(2));
	room.emit('message', m(1, 'm1 edited'));
	expect(texts(list.items as Message[])).toEqual(['m1 edited', 'm2']);
	room.emit('deleted', { id: 1 });
	room.emit('deleted', { id: 7 }); // not listed: nothing happens
	expect(texts(list.items as Message[])).toEqual(['m2']);
	room.emit('message', m(1, 'm1 again'));
	expect(texts(list.items as Message[])).toEqual(['m2', 'm1 again']);
});

it('keeps items in `order`, and the last `limit` of them', () => {
	const room = handDrivenRoom();
	const list = createLiveList<Message, number>(plainState, room, 'message', { key: (item) => item.id, order: (a, b) => a.id - b.id, limit: 3 });
	room.joined();
	for (const id of [5, 2, 4, 1]) room.emit('message', m(id));
	// 1 went in first (sorted) and was the oldest in order past 3.
	expect(list.items.map((item) => item.id)).toEqual([2, 4, 5]);
	room.emit('message', m(3));
	expect(list.items.map((item) => item.id)).toEqual([3, 4, 5]);
	// A key dropped by the limit is forgotten: it comes back as a new item.
	room.emit('message', m(2));
	expect(list.items.map((item) => item.id)).toEqual([3, 4, 5]);
	room.emit('message', m(6, 'six'));
	expect(list.items.map((item) => item.id)).toEqual([4, 5, 6]);
});

it('limits an unkeyed list to the latest N too', () => {
	const room = handDrivenRoom();
	const list = createLiveList<Message, never>(plainState, room, 'message', { limit: 2 });
	room.joined();
	for (const id of [1, 2, 3]) room.emit('message', m(id));
	expect(texts(list.items)).toEqual(['m2', 'm3']);
});

it('stops following the room on stop(), keeping its items', () => {
	const room = handDrivenRoom();
	const list = createLiveList<Message, never>(plainState, room, 'message');
	room.emit('message', m(1));
	list.stop();
	expect(room.followers).toBe(0);
	room.emit('message', m(2));
	expect(texts(list.items)).toEqual(['m1']);
});

it('refuses what is not a room, and `remove` without `key`', () => {
	expect(() => createLiveList(plainState, {}, 'message')).toThrow(/takes a room from live\(\)/);
	expect(() => createLiveList(plainState, handDrivenRoom(), 'message', { remove: { deleted: () => 1 } })).toThrow(/`remove` needs `key`/);
	expect(() => createLiveList(plainState, handDrivenRoom(), 'message', { limit: -1 })).toThrow(RangeError);
});

it('with expire, removes an item no event renewed in time, and each renewal starts its time again', () => {
	vi.useFakeTimers();
	try {
		const room = handDrivenRoom();
		const list = createLiveList<Message, number>(plainState, room, 'message', { key: (item) => item.id, expire: 5000 });
		room.joined();
		room.emit('message', m(1, 'typing'));
		room.emit('message', m(2, 'typing'));
		vi.advanceTimersByTime(4000);
		room.emit('message', m(1, 'still typing'));
		vi.advanceTimersByTime(1500);
		expect(texts(list.items)).toEqual(['still typing']);
		vi.advanceTimersByTime(3600);
		expect(list.items).toEqual([]);
		// Stopping the list stops its timers: what it holds then stays.
		room.emit('message', m(3));
		list.stop();
		vi.advanceTimersByTime(10_000);
		expect(texts(list.items)).toEqual(['m3']);
		expect(vi.getTimerCount()).toBe(0);
	} finally {
		vi.useRealTimers();
	}
});

it('refuses expire without key, or one that is not a positive number of milliseconds', () => {
	const room = handDrivenRoom();
	expect(() => createLiveList<Message, never>(plainState, room, 'message', { expire: 1000 })).toThrow(/`expire` needs `key`/);
	expect(() => createLiveList<Message, number>(plainState, room, 'message', { key: (item) => item.id, expire: 0 })).toThrow(RangeError);
});
