import * as v from 'valibot';
import { expect, it } from 'vitest';
import { LiveError, liveList } from 'liverpc/client';
import { call, event, join } from 'liverpc/server';
import { connect, eventually, startServer } from './harness.js';

// Optimistic items of a live list over real loopback sockets: a call the server holds until
// the test lets it go shows its item before any answer, and once after the answer and the
// event whatever their order; a call the server refuses takes its item out again.

interface Post {
	id: number;
	text: string;
	/** The idempotency key the writer's call was made with. */
	key: string;
}

const posts: Post[] = [];
/** Where the server's `write` waits: the test lets each step go when it wants. */
const gates = { beforeStoring: Promise.resolve(), beforeAnswering: Promise.resolve() };
/** A step the server waits at (`closed`) until the test calls `open()`. */
function gate() {
	let open!: () => void;
	const closed = new Promise<void>((resolve) => (open = resolve));
	return { closed, open };
}

const post = event<Post>();
const wall = {
	enter: join(() => ({})),
	post,
	write: call(v.object({ text: v.pipe(v.string(), v.maxLength(10, 'At most 10 characters')), key: v.string() }), async ({ text, key }) => {
		await gates.beforeStoring;
		// A copy under a key already stored (sent again after a lost answer) is that post, announced once.
		const known = posts.find((stored) => stored.key === key);
		if (known) return known;
		const stored = { id: posts.length + 1, text, key };
		posts.push(stored);
		post.emit(stored);
		await gates.beforeAnswering;
		return stored;
	})
};

async function wallRoom() {
	posts.length = 0;
	gates.beforeStoring = Promise.resolve();
	gates.beforeAnswering = Promise.resolve();
	const { url, server } = await startServer({ contracts: { 'walls/wall': wall } });
	const room = connect(url, 'session=s-alice').live(wall);
	await eventually(() => expect(room.status).toBe('joined'));
	return Object.assign(room, { cut: () => server.io.of('/').sockets.forEach((socket) => socket.conn.close()) });
}

/** The page's item before the server stored it: no id yet, so it sorts last. */
const draft = (text: string, key: string): Post => ({ id: Number.MAX_SAFE_INTEGER, text, key });

it('shows the item before a slow call answers, and once after its event and its answer', async () => {
	const room = await wallRoom();
	const list = liveList(room, 'post', { key: (p) => p.id, order: (a, b) => a.id - b.id, match: (p) => p.key });
	const slow = gate();
	gates.beforeStoring = slow.closed;
	let answered = false;
	const sent = list.optimistic(draft('hello', 'key-1'), room.write({ text: 'hello', key: 'key-1' })).then((answer) => {
		answered = true;
		return answer;
	});
	expect(list.items).toEqual([draft('hello', 'key-1')]);
	expect(list.isPending(list.items[0]!)).toBe(true);
	// Still there, still pending, while the server holds the call.
	await new Promise((resolve) => setTimeout(resolve, 100));
	expect(answered).toBe(false);
	expect(list.items).toHaveLength(1);
	slow.open();
	expect(await sent).toEqual({ id: 1, text: 'hello', key: 'key-1' });
	await eventually(() => expect(list.items).toEqual([{ id: 1, text: 'hello', key: 'key-1' }]));
	expect(list.isPending(list.items[0]!)).toBe(false);
	// Whatever else arrives, the message is listed once.
	await room.write({ text: 'next', key: 'key-2' });
	await eventually(() => expect(list.items.map((p) => p.text)).toEqual(['hello', 'next']));
});

it('replaces the item with its event while the answer is still held, and adds nothing when it comes', async () => {
	const room = await wallRoom();
	const list = liveList(room, 'post', { match: (p) => p.key });
	const held = gate();
	gates.beforeAnswering = held.closed;
	const sent = list.optimistic(draft('hello', 'key-1'), room.write({ text: 'hello', key: 'key-1' }));
	// The event came (the server stored it) while the answer waits.
	await eventually(() => expect(list.items).toEqual([{ id: 1, text: 'hello', key: 'key-1' }]));
	held.open();
	await sent;
	await room.write({ text: 'next', key: 'key-2' });
	await eventually(() => expect(list.items.map((p) => p.text)).toEqual(['hello', 'next']));
});

it('takes the item out when the server refuses the call (400)', async () => {
	const room = await wallRoom();
	const list = liveList(room, 'post', { key: (p) => p.id, match: (p) => p.key });
	await room.write({ text: 'first', key: 'key-0' });
	await eventually(() => expect(list.items).toHaveLength(1));
	const refused = list.optimistic(draft('far too long', 'key-1'), room.write({ text: 'far too long', key: 'key-1' }));
	expect(list.items.map((p) => p.text)).toEqual(['first', 'far too long']);
	const failure = await refused.catch((err: unknown) => err);
	expect(failure).toBeInstanceOf(LiveError);
	expect((failure as LiveError).status).toBe(400);
	await eventually(() => expect(list.items.map((p) => p.text)).toEqual(['first']));
	expect(posts).toHaveLength(1);
});

it('keeps the item, pending, through a lost connection, and lists it once when the call sent again is answered', async () => {
	const room = await wallRoom();
	const list = liveList(room, 'post', { key: (p) => p.id, order: (a, b) => a.id - b.id, match: (p) => p.key });
	const slow = gate();
	gates.beforeStoring = slow.closed;
	const sent = list.optimistic(draft('hello', 'key-1'), room.write({ text: 'hello', key: 'key-1' }));
	await new Promise((resolve) => setTimeout(resolve, 50));
	room.cut();
	await eventually(() => expect(room.status).toBe('reconnecting'));
	await eventually(() => expect(room.status).toBe('joined'), 5000);
	expect(list.items).toEqual([draft('hello', 'key-1')]);
	expect(list.isPending(list.items[0]!)).toBe(true);
	slow.open();
	expect(await sent).toEqual({ id: 1, text: 'hello', key: 'key-1' });
	await room.write({ text: 'next', key: 'key-2' });
	await eventually(() => expect(list.items.map((p) => p.text)).toEqual(['hello', 'next']));
	expect(posts).toHaveLength(2);
});
