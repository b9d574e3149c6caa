import { beforeEach, expect, it } from 'vitest';
import { event, type HistoryEvent } from 'liverpc/server';
import type { LiveServer } from 'liverpc/node';
import { connect, contracts, eventually, rawConnected, startServer, stillServing } from './harness.js';

// What one join delivers is bounded (#19): a re-join whose `resume` named an event 2,000
// messages back got a 4.3 MB reply costing 88 ms of CPU. Whatever `resume` asks, a join now
// delivers the newest events that fit in `maxJoinEvents` (500) and `maxJoinBytes` (1 MiB),
// says `resumed: false` when it cut, and hands `history` the count as `limit`.

interface Post {
	id: number;
	text: string;
}

/** The backlog's store, as an app's table: every post ever made, and what `history` was asked. */
const store = { posts: [] as Post[], limits: [] as number[] };

/** A room whose `history` ignores `limit` and returns every post after the member's last. */
const backlog = {
	post: event<Post>({
		id: 'id',
		history: ({ lastEventId, limit }: HistoryEvent) => {
			store.limits.push(limit);
			return store.posts.filter((post) => typeof lastEventId === 'number' && post.id > lastEventId);
		}
	})
};
const ROUTE = 'backlog/[backlogId]/backlog';

beforeEach(() => {
	store.posts.length = 0;
	store.limits.length = 0;
});

async function serve(options: Parameters<typeof startServer>[0] = {}): Promise<{ url: string; server: LiveServer }> {
	return startServer({ contracts: { ...contracts, [ROUTE]: backlog }, ...options });
}

function addPosts(count: number, textBytes: number): void {
	for (let index = 0; index < count; index++) store.posts.push({ id: store.posts.length + 1, text: 'x'.repeat(textBytes) });
}

type Ack = { resumed: boolean; events: [string, Post, number, number?][]; log: [string, number] };

it('bounds a re-join naming a post 2,000 back to the newest that fit in 1 MiB, and says it cut', async () => {
	const { url } = await serve();
	addPosts(2001, 2000); // ~4 MB after the member's last post
	const socket = await rawConnected(url);
	const started = Date.now();
	const [error, ack] = (await socket.ask('j', ROUTE, { backlogId: 'b' }, ['another-process.1', 9, { post: 1 }])) as [null, Ack];
	expect(error).toBeNull();
	expect(store.limits).toEqual([500]);
	expect(ack.resumed).toBe(false);
	expect(Buffer.byteLength(JSON.stringify(ack.events))).toBeLessThanOrEqual(1_048_576);
	// The newest, consecutive, up to the last post: the page stays consistent.
	const ids = ack.events.map(([, post]) => post.id);
	expect(ids.at(-1)).toBe(2001);
	expect(ids).toEqual(Array.from({ length: ids.length }, (_, index) => 2002 - ids.length + index));
	expect(ids.length).toBeGreaterThan(400);
	expect(Date.now() - started).toBeLessThan(5000);
	await stillServing(url);
});

it('bounds a re-join to the newest maxJoinEvents, from the history and from the buffer', async () => {
	const { url } = await serve({ buffer: { size: 1000 } });
	addPosts(2001, 10);
	const socket = await rawConnected(url);
	const [, fromHistory] = (await socket.ask('j', ROUTE, { backlogId: 'b' }, ['another-process.1', 9, { post: 1 }])) as [null, Ack];
	expect(fromHistory.resumed).toBe(false);
	expect(fromHistory.events.map(([, post]) => post.id)).toEqual(Array.from({ length: 500 }, (_, index) => 1502 + index));

	// 1,000 events in the room's buffer after the member's position: the newest 500.
	const position = fromHistory.log;
	for (let index = 0; index < 1000; index++) backlog.post.to({ backlogId: 'b' }).emit({ id: 3000 + index, text: 'live' });
	const [, fromBuffer] = (await socket.ask('j', ROUTE, { backlogId: 'b' }, position)) as [null, Ack];
	expect(fromBuffer.resumed).toBe(false);
	expect(fromBuffer.events.map(([, post]) => post.id)).toEqual(Array.from({ length: 500 }, (_, index) => 3500 + index));

	// Within the limits, nothing is cut and the gap counts as filled.
	const [, whole] = (await socket.ask('j', ROUTE, { backlogId: 'b' }, [position[0], position[1] + 900])) as [null, Ack];
	expect(whole.resumed).toBe(true);
	expect(whole.events).toHaveLength(100);
});

it('shows a page the newest events and resumed false when its re-join was cut, then goes on live', async () => {
	const { url, server } = await serve({ buffer: { size: 1000 }, limits: { maxJoinEvents: 100 } });
	const room = connect(url, 'session=s-alice').live(backlog, { backlogId: 'page' });
	const ids: number[] = [];
	room.on('post', (post) => ids.push(post.id));
	await eventually(() => expect(room.status).toBe('joined'));
	backlog.post.to({ backlogId: 'page' }).emit({ id: 1, text: 'seen' });
	await eventually(() => expect(ids).toEqual([1]));
	expect(room.resumed).toBe(true);

	for (const socket of server.io.of('/').sockets.values()) socket.conn.close();
	// Emitted in the same turn as the cut: the page cannot have them yet.
	for (let id = 2; id <= 301; id++) backlog.post.to({ backlogId: 'page' }).emit({ id, text: 'while away' });
	await eventually(() => expect(room.resumed).toBe(false), 5000);
	expect(room.status).toBe('joined');
	expect(ids).toEqual([1, ...Array.from({ length: 100 }, (_, index) => 202 + index)]);
	backlog.post.to({ backlogId: 'page' }).emit({ id: 302, text: 'live again' });
	await eventually(() => expect(ids.at(-1)).toBe(302));
});
