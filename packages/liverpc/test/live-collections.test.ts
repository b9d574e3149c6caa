import { beforeEach, expect, it } from 'vitest';
import { liveList, liveValue } from 'liverpc/client';
import { event, join, type HistoryEvent } from 'liverpc/server';
import { handle } from './fixtures/hooks.socket.js';
import { connect, eventually } from './harness.js';
import { restartableServer } from './support/restartable-server.js';

// liveList and liveValue over real loopback sockets: the join's history and the live events
// merged, each once, across a reconnect and a restart; a list that starts again after a
// re-join that could not fill the gap; keyed upsert and remove, and the latest N.

interface Post {
	id: number;
	boardId: string;
	text: string;
}

/** The boards' store, as an app's table; `history` gives at most `maxMissed` of what a member missed. */
const store = { posts: [] as Post[], maxMissed: Infinity };

/** A board: posts with ids and a history read from the store, removals, and a topic (no history). */
const board = {
	enter: join(() => ({})),
	post: event<Post>({
		id: 'id',
		history: ({ params, lastEventId }: HistoryEvent) => {
			const missed = store.posts.filter((post) => post.boardId === params.boardId && (typeof lastEventId !== 'number' || post.id > lastEventId));
			// More than it gives: the newest that fit, and the member learns it has a gap.
			return missed.length > store.maxMissed ? { events: missed.slice(-store.maxMissed), complete: false } : missed;
		}
	}),
	removed: event<{ id: number }>(),
	topic: event<{ text: string }>()
};
const contracts = { 'boards/[boardId]/board': board };

beforeEach(() => {
	store.posts.length = 0;
	store.maxMissed = Infinity;
});

/** Stores a post, as another process would; `announce` emits it to the board too. */
function publish(boardId: string, text: string, announce = true): Post {
	const post = { id: store.posts.length + 1, boardId, text };
	store.posts.push(post);
	if (announce) board.post.to({ boardId }).emit(post);
	return post;
}

const restartable = () => restartableServer({ handle, contracts });

const ids = (items: readonly Post[]) => items.map((post) => post.id);

it('merges the history and the live posts, each once, across a reconnect and a restart', async () => {
	const servers = await restartable();
	publish('b1', 'before anyone came');
	publish('b1', 'also before');
	const room = connect(servers.url, 'session=s-alice').live(board, { boardId: 'b1' });
	// No key: any post delivered twice would be listed twice.
	const posts = liveList(room, 'post');
	await eventually(() => expect(ids(posts.items)).toEqual([1, 2]));
	publish('b1', 'live');
	await eventually(() => expect(ids(posts.items)).toEqual([1, 2, 3]));

	// A network loss: the re-join resumes from the server's buffer.
	for (const socket of servers.live.io.of('/').sockets.values()) socket.conn.close();
	publish('b1', 'while cut');
	await eventually(() => expect(ids(posts.items)).toEqual([1, 2, 3, 4]), 5000);

	// A restart: the buffer is gone, and the history, asked from the oldest id the room
	// remembers, returns the posts it has again besides the ones it missed.
	await servers.stop();
	await eventually(() => expect(room.status).toBe('reconnecting'));
	publish('b1', 'while down', false);
	await servers.start();
	await eventually(() => expect(ids(posts.items)).toEqual([1, 2, 3, 4, 5]), 5000);
	expect(room.resumed).toBe(true);
	publish('b1', 'live again');
	await eventually(() => expect(ids(posts.items)).toEqual([1, 2, 3, 4, 5, 6]));
	expect(posts.items.map((post) => post.text)).toEqual(['before anyone came', 'also before', 'live', 'while cut', 'while down', 'live again']);
});

it('keeps its posts after a re-join cut short that still carries on from them, and starts again after one that leaves a hole', async () => {
	const servers = await restartable();
	for (const text of ['one', 'two', 'three']) publish('b1', text);
	const room = connect(servers.url, 'session=s-alice').live(board, { boardId: 'b1' });
	const posts = liveList(room, 'post', { key: (post) => post.id });
	const topic = liveValue(room, 'topic');
	await eventually(() => expect(ids(posts.items)).toEqual([1, 2, 3]));
	board.topic.to({ boardId: 'b1' }).emit({ text: 'before the gap' });
	await eventually(() => expect(topic.value).toEqual({ text: 'before the gap' }));

	const restart = async (maxMissed: number, ...texts: string[]) => {
		await servers.stop();
		await eventually(() => expect(room.status).toBe('reconnecting'));
		store.maxMissed = maxMissed;
		for (const text of texts) publish('b1', text, false);
		await servers.start();
		await eventually(() => expect(room.status).toBe('joined'), 5000);
	};

	// The history gives the newest 3 of the 4 after the member's oldest remembered id (1):
	// 3, which the room delivered before, 4 and 5. Post 2 is cut, so the join says it did
	// not resume; but the list has it, and the join carries on from post 3: nothing missing.
	await restart(3, 'four', 'five');
	await eventually(() => expect(ids(posts.items)).toEqual([1, 2, 3, 4, 5]));
	expect(room.resumed).toBe(false);
	// No topic came with the join: one may have been missed.
	expect(topic.value).toBeUndefined();

	// Now only the newest one, 7: post 6 is missing between what the list has and the join.
	await restart(1, 'six', 'seven');
	await eventually(() => expect(ids(posts.items)).toEqual([7]));
	expect(room.resumed).toBe(false);
	publish('b1', 'eight');
	await eventually(() => expect(ids(posts.items)).toEqual([7, 8]));
});

it('follows one room: another room’s list starts from that room’s history', async () => {
	const servers = await restartable();
	publish('b1', 'in b1');
	publish('b2', 'in b2');
	const client = connect(servers.url, 'session=s-alice');
	const first = client.live(board, { boardId: 'b1' });
	const firstPosts = liveList(first, 'post');
	await eventually(() => expect(ids(firstPosts.items)).toEqual([1]));

	// The page moves to b2: the old room is left, and the new one gets a list of its own.
	first.leave();
	const second = client.live(board, { boardId: 'b2' });
	const secondPosts = liveList(second, 'post');
	await eventually(() => expect(ids(secondPosts.items)).toEqual([2]));
	publish('b1', 'b1 again');
	publish('b2', 'b2 again');
	await eventually(() => expect(ids(secondPosts.items)).toEqual([2, 4]));
	expect(ids(firstPosts.items)).toEqual([1]);
});

it('upserts by key, removes by a removing event, keeps the order and the latest N', async () => {
	const servers = await restartable();
	for (const text of ['a', 'b', 'c', 'd']) publish('b1', text);
	const room = connect(servers.url, 'session=s-alice').live(board, { boardId: 'b1' });
	const latest = liveList(room, 'post', { key: (post) => post.id, remove: { removed: ({ id }) => id }, order: (a, b) => a.id - b.id, limit: 3 });
	// The history had 4: the latest 3 are kept.
	await eventually(() => expect(ids(latest.items)).toEqual([2, 3, 4]));
	// An edit of post 3 replaces it where it stands.
	board.post.to({ boardId: 'b1' }).emit({ id: 3, boardId: 'b1', text: 'c edited' });
	board.removed.to({ boardId: 'b1' }).emit({ id: 2 });
	await eventually(() => expect(latest.items.map((post) => post.text)).toEqual(['c edited', 'd']));
	publish('b1', 'e');
	publish('b1', 'f');
	await eventually(() => expect(ids(latest.items)).toEqual([4, 5, 6]));
});
