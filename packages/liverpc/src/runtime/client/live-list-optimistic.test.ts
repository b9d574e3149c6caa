import { expect, it } from 'vitest';
import { createLiveList } from './live-list.js';
import { plainState } from './reactive-state.js';
import { handDrivenRoom } from '../../../test/support/hand-driven-room.js';

// Optimistic items of a live list: shown at once, replaced by their event (matched by the
// idempotency key the call was made with), taken out when the call fails first.

interface Message {
	id: number;
	text: string;
	key?: string;
}

/** A call the test answers or fails by hand. */
function handAnsweredCall<R>() {
	let answer!: (value: R) => void;
	let fail!: (reason: Error) => void;
	const promise = new Promise<R>((resolve, reject) => {
		answer = resolve;
		fail = reject;
	});
	// The test awaits its outcome through the list; a failure is expected, not unhandled.
	promise.catch(() => {});
	return { promise, answer, fail };
}

/** Lets the list see a call's outcome (its handlers run on a later microtask). */
const settled = () => new Promise((resolve) => setTimeout(resolve, 0));

const m = (id: number, text = `m${id}`, key?: string): Message => (key === undefined ? { id, text } : { id, text, key });
/** What the page lists before the server gave the message its id. */
const draft = (text: string, key: string): Message => ({ id: Number.MAX_SAFE_INTEGER, text, key });
const texts = (items: readonly Message[]) => items.map((item) => item.text);

function chat(options: { order?: boolean; limit?: number } = {}) {
	const room = handDrivenRoom();
	const list = createLiveList<Message, number>(plainState, room, 'message', {
		key: (item) => item.id,
		match: (item) => item.key,
		...(options.order ? { order: (a: Message, b: Message) => a.id - b.id } : {}),
		...(options.limit !== undefined ? { limit: options.limit } : {})
	});
	room.joined();
	room.emit('message', m(1));
	return { room, list };
}

it('shows the item at once, pending; its event replaces it in place and the answer after changes nothing', async () => {
	const { room, list } = chat();
	const call = handAnsweredCall<Message>();
	const returned = list.optimistic(draft('hello', 'k1'), call.promise);
	expect(returned).toBe(call.promise);
	expect(texts(list.items)).toEqual(['m1', 'hello']);
	expect(list.isPending(list.items[1]!)).toBe(true);
	expect(list.isPending(list.items[0]!)).toBe(false);

	room.emit('message', m(2, 'hello', 'k1'));
	expect(list.items).toEqual([m(1), m(2, 'hello', 'k1')]);
	expect(list.isPending(list.items[1]!)).toBe(false);

	call.answer(m(2, 'hello', 'k1'));
	await settled();
	expect(list.items).toEqual([m(1), m(2, 'hello', 'k1')]);
	// The confirmed item is keyed like any other: an edit of it replaces it.
	room.emit('message', m(2, 'hello (edited)', 'k1'));
	expect(texts(list.items)).toEqual(['m1', 'hello (edited)']);
});

it('takes the answer in the item’s place when the call answers first, and the event after adds no second', async () => {
	const { room, list } = chat();
	const call = handAnsweredCall<Message>();
	void list.optimistic(draft('hello', 'k1'), call.promise);
	call.answer(m(2, 'hello', 'k1'));
	await settled();
	expect(list.items).toEqual([m(1), m(2, 'hello', 'k1')]);
	expect(list.isPending(list.items[1]!)).toBe(false);
	room.emit('message', m(2, 'hello', 'k1'));
	expect(list.items).toEqual([m(1), m(2, 'hello', 'k1')]);
});

it('keeps the item until its event when the answer is not an item of the list, no longer pending', async () => {
	const { room, list } = chat();
	const call = handAnsweredCall<{ ok: true }>();
	void list.optimistic(draft('hello', 'k1'), call.promise);
	call.answer({ ok: true });
	await settled();
	expect(texts(list.items)).toEqual(['m1', 'hello']);
	expect(list.isPending(list.items[1]!)).toBe(false);
	// Another message stored before this one arrives: it goes before the optimistic item.
	room.emit('message', m(2, 'from bob'));
	expect(texts(list.items)).toEqual(['m1', 'from bob', 'hello']);
	room.emit('message', m(3, 'hello', 'k1'));
	expect(list.items).toEqual([m(1), m(2, 'from bob'), m(3, 'hello', 'k1')]);
});

it('takes the item out when its call fails before its event', async () => {
	const { room, list } = chat();
	const call = handAnsweredCall<Message>();
	const returned = list.optimistic(draft('too long', 'k1'), call.promise);
	call.fail(new Error('400 too long'));
	await expect(returned).rejects.toThrow('400 too long');
	await settled();
	expect(texts(list.items)).toEqual(['m1']);
	expect(list.isPending(draft('too long', 'k1'))).toBe(false);
	// Nothing waits for that key any more: a later message of it is listed as any other.
	room.emit('message', m(2, 'again', 'k1'));
	expect(texts(list.items)).toEqual(['m1', 'again']);
});

it('keeps the item when its call fails after its event arrived (the message was stored)', async () => {
	const { room, list } = chat();
	const call = handAnsweredCall<Message>();
	void list.optimistic(draft('hello', 'k1'), call.promise);
	room.emit('message', m(2, 'hello', 'k1'));
	call.fail(new Error('the answer was lost'));
	await settled();
	expect(list.items).toEqual([m(1), m(2, 'hello', 'k1')]);
	// Sending again under that key lists nothing more: the message is there.
	const retry = handAnsweredCall<Message>();
	void list.optimistic(draft('hello', 'k1'), retry.promise);
	expect(list.items).toEqual([m(1), m(2, 'hello', 'k1')]);
	retry.answer(m(2, 'hello', 'k1'));
	await settled();
	expect(list.items).toEqual([m(1), m(2, 'hello', 'k1')]);
});

it('lists one item for a call sent twice under one key, gone only when neither may still answer', async () => {
	const { room, list } = chat();
	const first = handAnsweredCall<Message>();
	const second = handAnsweredCall<Message>();
	void list.optimistic(draft('hello', 'k1'), first.promise);
	void list.optimistic(draft('hello', 'k1'), second.promise);
	expect(texts(list.items)).toEqual(['m1', 'hello']);
	first.fail(new Error('timed out'));
	await settled();
	expect(texts(list.items)).toEqual(['m1', 'hello']);
	expect(list.isPending(list.items[1]!)).toBe(true);
	second.fail(new Error('timed out'));
	await settled();
	expect(texts(list.items)).toEqual(['m1']);
	// A retry after both failed is listed again, and confirmed once by its event.
	const third = handAnsweredCall<Message>();
	void list.optimistic(draft('hello', 'k1'), third.promise);
	room.emit('message', m(2, 'hello', 'k1'));
	third.answer(m(2, 'hello', 'k1'));
	await settled();
	expect(list.items).toEqual([m(1), m(2, 'hello', 'k1')]);
});

it('keeps pending items through a re-join that did not resume, and matches them with that join’s events', async () => {
	const { room, list } = chat();
	const call = handAnsweredCall<Message>();
	const other = handAnsweredCall<Message>();
	void list.optimistic(draft('hello', 'k1'), call.promise);
	void list.optimistic(draft('still sending', 'k2'), other.promise);
	room.joined(false);
	expect(texts(list.items)).toEqual(['hello', 'still sending']);
	expect(list.items.every((item) => list.isPending(item))).toBe(true);
	// The join's events: older ones go before the optimistic items, and one of them is k1's.
	room.emit('message', m(1), true);
	room.emit('message', m(2, 'hello', 'k1'));
	expect(texts(list.items)).toEqual(['m1', 'hello', 'still sending']);
	expect(list.items[1]).toEqual(m(2, 'hello', 'k1'));
	expect(list.isPending(list.items[2]!)).toBe(true);
	call.fail(new Error('lost'));
	other.fail(new Error('refused'));
	await settled();
	expect(list.items).toEqual([m(1), m(2, 'hello', 'k1')]);
});

it('places an optimistic item by `order`, moves it where its event belongs, and never drops it for `limit`', async () => {
	const { room, list } = chat({ order: true, limit: 2 });
	room.emit('message', m(3));
	const call = handAnsweredCall<Message>();
	void list.optimistic(draft('hello', 'k1'), call.promise);
	// Two at most: the oldest confirmed one went, the optimistic one (last in order) stayed.
	expect(texts(list.items)).toEqual(['m3', 'hello']);
	room.emit('message', m(5, 'from bob'));
	expect(texts(list.items)).toEqual(['from bob', 'hello']);
	// Stored before bob's: in order it goes before it, and the limit keeps the latest two.
	room.emit('message', m(4, 'hello', 'k1'));
	expect(list.items).toEqual([m(4, 'hello', 'k1'), m(5, 'from bob')]);
	call.answer(m(4, 'hello', 'k1'));
	await settled();
	expect(list.items).toEqual([m(4, 'hello', 'k1'), m(5, 'from bob')]);
});

it('keeps optimistic items past `limit` when there are more of them than it allows', async () => {
	const { list } = chat({ limit: 1 });
	const calls = [handAnsweredCall<Message>(), handAnsweredCall<Message>()];
	void list.optimistic(draft('a', 'ka'), calls[0]!.promise);
	void list.optimistic(draft('b', 'kb'), calls[1]!.promise);
	expect(texts(list.items)).toEqual(['a', 'b']);
	for (const call of calls) call.fail(new Error('refused'));
	await settled();
	expect(texts(list.items)).toEqual([]);
});

it('removes a confirmed item by key, never an optimistic one of the same provisional key', () => {
	const room = handDrivenRoom();
	const list = createLiveList<Message, number>(plainState, room, 'message', {
		key: (item) => item.id,
		match: (item) => item.key,
		remove: { deleted: (gone: Message) => gone.id }
	});
	room.joined();
	room.emit('message', m(7));
	void list.optimistic({ id: 7, text: 'hello', key: 'k1' }, new Promise(() => {}));
	room.emit('message', m(7, 'm7 edited'));
	room.emit('deleted', m(7));
	expect(texts(list.items)).toEqual(['hello']);
});

it('needs `match`, and an item with the key it reads', () => {
	const room = handDrivenRoom();
	const unmatched = createLiveList<Message, number>(plainState, room, 'message', { key: (item) => item.id });
	expect(() => unmatched.optimistic(m(1), Promise.resolve())).toThrow(/needs `match`/);
	expect(unmatched.isPending(m(1))).toBe(false);
	const matched = createLiveList<Message, number>(plainState, room, 'message', { match: (item) => item.key });
	expect(() => matched.optimistic(m(1), Promise.resolve())).toThrow(/needs the key/);
});
