import { describe, expect, it, vi } from 'vitest';
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

describe('loadEarlier', () => {
	/** A keyed list of messages whose ids are their event ids, joined with `ids`. */
	function joinedList(ids: number[], options: Parameters<typeof createLiveList<Message, number>>[3] = { key: (item) => item.id }) {
		const room = handDrivenRoom();
		const list = createLiveList<Message, number>(plainState, room, 'message', options);
		room.joined();
		for (const id of ids) room.emit('message', m(id), false, id);
		return { room, list };
	}
	const page = (ids: number[], more: boolean) => ({ events: ids.map((id): [Message, number] => [m(id), id]), more });

	it('asks for the events before the first item, puts them in front in order, and says when there are no more', async () => {
		const { room, list } = joinedList([51, 52, 53]);
		expect(list.hasEarlier).toBe(true);
		const loading = list.loadEarlier(2);
		expect(list.loadingEarlier).toBe(true);
		expect(list.loadEarlier(2)).toBe(loading); // one at a time
		expect(room.pages.map(({ event, before, limit }) => [event, before, limit])).toEqual([['message', 51, 2]]);
		room.pages[0]!.resolve(page([49, 50], true));
		expect(await loading).toBe(2);
		expect(list.loadingEarlier).toBe(false);
		expect(list.items.map((item) => item.id)).toEqual([49, 50, 51, 52, 53]);
		expect(list.hasEarlier).toBe(true);

		const last = list.loadEarlier();
		expect(room.pages[1]).toMatchObject({ before: 49, limit: 50 });
		room.pages[1]!.resolve(page([1, 2], false));
		expect(await last).toBe(2);
		expect(list.items.map((item) => item.id)).toEqual([1, 2, 49, 50, 51, 52, 53]);
		expect(list.hasEarlier).toBe(false);
		expect(await list.loadEarlier()).toBe(0); // nothing asked any more
		expect(room.pages).toHaveLength(2);
	});

	it('lists each once: a page that repeats what the list has adds nothing, and ends the loading', async () => {
		const { room, list } = joinedList([10, 11]);
		const loading = list.loadEarlier();
		room.pages[0]!.resolve(page([9, 10, 11], true)); // a history that went past `before`
		expect(await loading).toBe(1);
		expect(list.items.map((item) => item.id)).toEqual([9, 10, 11]);
		const again = list.loadEarlier();
		room.pages[1]!.resolve(page([9, 10, 11], true)); // one that ignores `before`: no progress
		expect(await again).toBe(0);
		expect(list.hasEarlier).toBe(false);
	});

	it('raises `limit` by the items it loads: they are listed, and the list stays bounded', async () => {
		const { room, list } = joinedList([5, 6, 7], { key: (item) => item.id, limit: 3 });
		const loading = list.loadEarlier();
		room.pages[0]!.resolve(page([3, 4], true));
		await loading;
		// The limit is 3 + the 2 loaded: the newest 5 stay.
		room.emit('message', m(8), false, 8);
		expect(list.items.map((item) => item.id)).toEqual([4, 5, 6, 7, 8]);
		room.emit('message', m(9), false, 9);
		expect(list.items.map((item) => item.id)).toEqual([5, 6, 7, 8, 9]);
	});

	it('puts older items where `order` says, and works for an unkeyed list', async () => {
		const ordered = joinedList([20, 30], { key: (item) => item.id, order: (a, b) => a.id - b.id });
		const loading = ordered.list.loadEarlier();
		ordered.room.pages[0]!.resolve(page([5, 15], true));
		await loading;
		expect(ordered.list.items.map((item) => item.id)).toEqual([5, 15, 20, 30]);

		const room = handDrivenRoom();
		const unkeyed = createLiveList<Message, never>(plainState, room, 'message');
		room.joined();
		room.emit('message', m(7), false, 7);
		const more = unkeyed.loadEarlier(1);
		room.pages[0]!.resolve(page([6], true));
		await more;
		expect(texts(unkeyed.items)).toEqual(['m6', 'm7']);
	});

	it('drops a page asked before the list started again, and starts asking afresh', async () => {
		const { room, list } = joinedList([40, 41]);
		const stale = list.loadEarlier();
		room.joined(false); // a re-join that could not fill the gap: the list starts again
		room.emit('message', m(90), true, 90);
		room.pages[0]!.resolve(page([38, 39], true));
		expect(await stale).toBe(0);
		expect(list.items.map((item) => item.id)).toEqual([90]);
		expect(list.hasEarlier).toBe(true);
		const fresh = list.loadEarlier();
		expect(room.pages[1]).toMatchObject({ before: 90 });
		room.pages[1]!.resolve(page([89], false));
		await fresh;
		expect(list.items.map((item) => item.id)).toEqual([89, 90]);
	});

	it('has nothing earlier while empty or without event ids, rejects a bad count, and passes on a refusal', async () => {
		const empty = joinedList([]);
		expect(empty.list.hasEarlier).toBe(false);
		expect(await empty.list.loadEarlier()).toBe(0);
		const room = handDrivenRoom();
		const withoutIds = createLiveList<Message, never>(plainState, room, 'message');
		room.emit('message', m(1));
		expect(withoutIds.hasEarlier).toBe(false);

		const { room: joined, list } = joinedList([3]);
		await expect(list.loadEarlier(0)).rejects.toThrow(RangeError);
		await expect(list.loadEarlier(1.5)).rejects.toThrow(RangeError);
		const refused = list.loadEarlier();
		joined.pages[0]!.reject(new Error('429 Too many calls'));
		await expect(refused).rejects.toThrow('429');
		expect(list.loadingEarlier).toBe(false);
		expect(list.hasEarlier).toBe(true); // try again later
		// A removal of the first item moves where the next page starts.
		const removing = joinedList([4, 5], { key: (item) => item.id, remove: { deleted: (gone: { id: number }) => gone.id } });
		removing.room.emit('deleted', { id: 4 });
		void removing.list.loadEarlier();
		expect(removing.room.pages[0]).toMatchObject({ before: 5 });
	});
});
