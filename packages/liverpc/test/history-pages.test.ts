import { beforeEach, expect, it } from 'vitest';
import { liveList, LiveError } from 'liverpc/client';
import { error, event, join, type HistoryEvent } from 'liverpc/server';
import type { LiveServer } from 'liverpc/node';
import { connect, contracts, eventually, rawConnected, rejection, startServer, stillServing } from './harness.js';
import type { RawSocket } from './support/raw-engine-socket.js';

// Older events, page by page (#21): a member asks for the events of one kind before the
// oldest it has (HISTORY, 'h'), and the event's `history` reads them with `before` set. Spoken
// by hand over a real websocket, as a hostile client would: every field is checked, pages
// walk back to the first event with no gap or repeat, and pages are paid from the call budget.

interface Post {
	id: number;
	text: string;
}

/** The shelf's store, as an app's table; what `history` was asked; how it misbehaves. */
const store = {
	posts: [] as Post[],
	asked: [] as Array<{ before: unknown; limit: number; member: unknown }>,
	fault: undefined as undefined | 'throw' | 'garbage' | 'no-id'
};

/** A room whose `post` history honours `before`, newest `limit` older than it, oldest first. */
const shelf = {
	enter: join(() => ({})),
	post: event<Post>({
		id: 'id',
		history: ({ before, limit, member }: HistoryEvent & { member?: unknown }) => {
			if (before !== undefined) store.asked.push({ before, limit, member });
			if (store.fault === 'throw') throw new Error('connection string postgres://admin:hunter2@db');
			if (store.fault === 'garbage') return 'not a list' as never;
			if (store.fault === 'no-id') return [{ text: 'no id' } as Post];
			if (typeof before === 'number') {
				const older = store.posts.filter((post) => post.id < before);
				return { events: older.slice(-limit), complete: older.length <= limit };
			}
			if (before !== undefined) return [];
			return store.posts.slice(-Math.min(20, limit));
		}
	}),
	/** No history: nothing older can be asked of it. */
	topic: event<{ text: string }>(),
	/** A history that ignores `before` and `limit`: the latest page, whatever is asked. */
	latest: event<Post>({ id: 'id', history: () => store.posts.slice(-300) })
};
const ROUTE = 'shelves/[shelfId]/shelf';

beforeEach(() => {
	store.posts.length = 0;
	store.asked.length = 0;
	store.fault = undefined;
	for (let id = 1; id <= 237; id++) store.posts.push({ id, text: `post ${id}` });
});

async function serve(options: Parameters<typeof startServer>[0] = {}): Promise<{ url: string; server: LiveServer }> {
	return startServer({ contracts: { ...contracts, [ROUTE]: shelf }, ...options });
}

type Page = { events: Array<[Post, number]>; more: boolean };
type JoinAck = { ref: number; events: Array<[string, Post, number, number?]> };

/** A raw member of shelf `a`: its socket, its ref and the ids its join brought. */
async function member(url: string, cookie?: string): Promise<{ socket: RawSocket; ref: number; joinedIds: number[] }> {
	const socket = await rawConnected(url, cookie);
	const [failure, ack] = (await socket.ask('j', ROUTE, { shelfId: 'a' })) as [null, JoinAck];
	expect(failure).toBeNull();
	return { socket, ref: ack.ref, joinedIds: ack.events.filter(([name]) => name === 'post').map(([, post]) => post.id) };
}

it('walks back page by page to the first event, each once and in order, with the member’s event', async () => {
	const { url } = await serve();
	const { socket, ref, joinedIds } = await member(url);
	expect(joinedIds).toEqual(Array.from({ length: 20 }, (_, index) => 218 + index));
	let listed = joinedIds;
	let more = true;
	let pages = 0;
	while (more) {
		const [failure, page] = (await socket.ask('h', ref, 'post', listed[0], 50)) as [null, Page];
		expect(failure).toBeNull();
		for (const [post, id] of page.events) expect(post.id).toBe(id);
		listed = [...page.events.map(([post]) => post.id), ...listed];
		more = page.more;
		pages++;
	}
	expect(listed).toEqual(Array.from({ length: 237 }, (_, index) => index + 1));
	expect(pages).toBe(5); // 217 older ones: four full pages and the last 17
	// The history ran in the member's event: its locals made the member of the join.
	expect(store.asked.map(({ before }) => before)).toEqual([218, 168, 118, 68, 18]);
	// Past the first there is nothing more, and it says so.
	expect(await socket.ask('h', ref, 'post', 1, 50)).toEqual([null, { events: [], more: false }]);
});

it('cuts a page to 100 events and to maxJoinEvents, and to maxJoinBytes, and says there are more', async () => {
	const { url } = await serve({ limits: { maxJoinEvents: 60 } });
	const { socket, ref } = await member(url);
	const [, page] = (await socket.ask('h', ref, 'post', 200, 1_000_000)) as [null, Page];
	expect(store.asked.at(-1)?.limit).toBe(60);
	expect(page.events.map(([post]) => post.id)).toEqual(Array.from({ length: 60 }, (_, index) => 140 + index));
	expect(page.more).toBe(true);

	const wide = await serve();
	const other = await member(wide.url);
	await other.socket.ask('h', other.ref, 'post', 200, 1_000_000);
	expect(store.asked.at(-1)?.limit).toBe(100);

	// A history that ignores both `before` and `limit`: no more than the page is sent.
	const [, ignored] = (await other.socket.ask('h', other.ref, 'latest', 5, 10)) as [null, Page];
	expect(ignored.events.map(([post]) => post.id)).toEqual(Array.from({ length: 10 }, (_, index) => 228 + index));
	expect(ignored.more).toBe(true);

	for (const post of store.posts) post.text = 'x'.repeat(1000);
	const small = await serve({ limits: { maxJoinBytes: 10_000 } });
	const reader = await member(small.url);
	const [, cut] = (await reader.socket.ask('h', reader.ref, 'post', 100, 50)) as [null, Page];
	expect(cut.events.length).toBeGreaterThan(0);
	expect(cut.events.length).toBeLessThan(10);
	expect(cut.events.at(-1)?.[1]).toBe(99); // the newest of the page, next to what the member has
	expect(cut.more).toBe(true);
});

it('refuses a non-member, a bad ref or event, and hostile values with a fixed 400 or 404, and goes on serving', async () => {
	const { url } = await serve();
	const { socket, ref } = await member(url);
	const notMember = { status: 404, message: 'Not a member of this room: join it first' };
	const noHistory = { status: 404, message: 'No event with a history of that name in this room' };
	const invalid = { status: 400, message: 'Invalid history request: before is an event id, limit a whole number of 1 or more' };

	const stranger = await rawConnected(url, 'session=s-bob');
	expect(await stranger.ask('h', ref, 'post', 10, 5)).toEqual([notMember]);
	expect(await socket.ask('h', 99, 'post', 10, 5)).toEqual([notMember]);
	expect(await socket.ask('h', String(ref), 'post', 10, 5)).toEqual([notMember]);
	expect(await socket.ask('h', { ref }, 'post', 10, 5)).toEqual([notMember]);
	expect(await socket.ask('h', ref, 'topic', 10, 5)).toEqual([noHistory]);
	expect(await socket.ask('h', ref, 'enter', 10, 5)).toEqual([noHistory]);
	expect(await socket.ask('h', ref, '__proto__', 10, 5)).toEqual([noHistory]);
	expect(await socket.ask('h', ref, ['post'], 10, 5)).toEqual([noHistory]);
	expect(await socket.ask('h', ref, 'x'.repeat(20_000), 10, 5)).toEqual([noHistory]);
	for (const before of [{ $lt: 10 }, [10], 'y'.repeat(20_000), '', null, true]) {
		expect(await socket.ask('h', ref, 'post', before, 5)).toEqual([invalid]);
	}
	for (const limit of [-5, 0, 2.5, '50', null, 1e300, { n: 5 }]) {
		expect(await socket.ask('h', ref, 'post', 10, limit)).toEqual([invalid]);
	}
	// NaN and Infinity have no JSON: what a client's encoder makes of them is null.
	expect(await socket.askRaw(`["h",${ref},"post",null,5]`)).toEqual([invalid]);
	expect(await socket.askRaw(`["h",${ref},"post",5,null]`)).toEqual([invalid]);
	// Not JSON at all: the connection is closed, and the server goes on.
	await socket.askRaw(`["h",${ref},"post",NaN,5]`).catch(() => undefined);
	const again = await member(url);
	// Fewer arguments than the protocol has: the ack is still answered.
	expect(await again.socket.ask('h', again.ref)).toEqual([noHistory]);
	expect(await again.socket.ask('h')).toEqual([notMember]);
	// More than the protocol has: the packet gate refuses it before the listener.
	expect(await again.socket.ask('h', again.ref, 'post', 10, 5, 'extra')).toEqual([{ status: 400, message: 'Malformed packet: not LiveRPC protocol' }]);
	// The history never ran for any of them.
	expect(store.asked).toEqual([]);
	await stillServing(url);
});

it('answers a history that fails with a 500 and an error id, never with what it threw', async () => {
	const { url } = await serve();
	const { socket, ref } = await member(url);
	const logged = vitestSpyOnConsoleError();
	for (const fault of ['throw', 'garbage', 'no-id'] as const) {
		store.fault = fault;
		const [body] = (await socket.ask('h', ref, 'post', 100, 5)) as [{ status: number; message: string; id: string }];
		expect(body).toEqual({ status: 500, message: 'Internal Error', id: expect.any(String) });
		expect(JSON.stringify(body)).not.toMatch(/hunter2|postgres|no id|not a list/);
	}
	expect(logged.calls.join('\n')).toMatch(/history shelves\/\[shelfId\]\/shelf#post failed/);
	logged.restore();
	store.fault = undefined;
	await stillServing(url);
	store.posts.length = 0;
	expect(await socket.ask('h', ref, 'post', 100, 5)).toEqual([null, { events: [], more: false }]);
});

it('pays for pages from the call budgets: a flood is answered 429 per connection and per user', async () => {
	const { url } = await serve({ limits: { callsPerSecond: 5, callBurst: 5 } });
	const { socket, ref } = await member(url);
	const answers = await Promise.all(Array.from({ length: 12 }, () => socket.ask('h', ref, 'post', 100, 5)));
	const refused = answers.filter(([body]) => (body as { status?: number } | null)?.status === 429);
	expect(refused.length).toBeGreaterThanOrEqual(6);
	expect(refused[0]).toEqual([{ status: 429, message: 'Too many calls: slow down' }]);
	expect(answers.length - refused.length).toBeLessThanOrEqual(6);

	const perUser = await serve({ limits: { callsPerSecondPerUser: 4, callBurstPerUser: 4 } });
	const one = await member(perUser.url);
	const two = await member(perUser.url);
	const shared = await Promise.all(
		Array.from({ length: 6 }, (_, index) => (index % 2 ? two : one)).map(({ socket: each, ref: itsRef }) => each.ask('h', itsRef, 'post', 100, 5))
	);
	expect(shared).toContainEqual([{ status: 429, message: 'Too many calls from this user: slow down' }]);
	await stillServing(url);
});

it('runs the history with the member the join guard admitted, and its expected errors answer as they are', async () => {
	const guarded = {
		enter: join(() => ({})),
		post: event<Post>({
			id: 'id',
			history: ({ before, locals }: HistoryEvent) => {
				if (before === undefined) return [];
				if (!(locals as { user?: unknown }).user) error(403, 'Members only');
				return [{ id: 1, text: 'first' }];
			}
		})
	};
	const { url } = await startServer({ contracts: { ...contracts, 'guarded/guarded': guarded } });
	const anonymous = await rawConnected(url, '');
	const [, joined] = (await anonymous.ask('j', 'guarded/guarded', {})) as [null, { ref: number }];
	expect(await anonymous.ask('h', joined.ref, 'post', 5, 5)).toEqual([{ status: 403, message: 'Members only' }]);
	const alice = await rawConnected(url);
	const [, aliceJoined] = (await alice.ask('j', 'guarded/guarded', {})) as [null, { ref: number }];
	expect(await alice.ask('h', aliceJoined.ref, 'post', 5, 5)).toEqual([null, { events: [[{ id: 1, text: 'first' }, 1]], more: false }]);
});

it('lets a liveList load earlier pages over a real socket, in front of the live ones, each once and in order', async () => {
	const { url, server } = await serve();
	const room = connect(url, 'session=s-alice').live(shelf, { shelfId: 'a' });
	const posts = liveList(room, 'post', { key: (post) => post.id, order: (a, b) => a.id - b.id });
	await eventually(() => expect(posts.items).toHaveLength(20));
	expect(posts.hasEarlier).toBe(true);
	// A live post meanwhile lands at the end; older pages land in front.
	const live = { id: 238, text: 'live' };
	store.posts.push(live);
	shelf.post.to({ shelfId: 'a' }).emit(live);
	await eventually(() => expect(posts.items.at(-1)?.id).toBe(238));
	let pages = 0;
	while (posts.hasEarlier) {
		const loading = posts.loadEarlier(60);
		expect(posts.loadingEarlier).toBe(true);
		await loading;
		pages++;
	}
	expect(pages).toBe(4); // 217 older ones, 60 at a time
	expect(posts.items.map((post) => post.id)).toEqual(Array.from({ length: 238 }, (_, index) => index + 1));
	expect(await posts.loadEarlier()).toBe(0);

	// While the room is not joined there is nothing to ask: a 503, and nothing sent. (A list
	// made now starts from the room's recent events: the join's and the live ones, not the pages.)
	const other = liveList(room, 'post', { key: (post) => post.id });
	store.posts.push({ id: 239, text: 'for the other list' });
	shelf.post.to({ shelfId: 'a' }).emit(store.posts.at(-1)!);
	await eventually(() => expect(other.items.at(-1)?.id).toBe(239));
	expect(other.items).toHaveLength(22);
	for (const socket of server.io.of('/').sockets.values()) socket.disconnect(true);
	const refused = await rejection(other.loadEarlier());
	expect(refused).toBeInstanceOf(LiveError);
	expect(refused.status).toBe(503);
	room.leave();
	expect((await rejection(other.loadEarlier())).status).toBe(410);
});

/** Collects console.error lines (the 500s' log) for the test, and stops doing so on restore(). */
function vitestSpyOnConsoleError() {
	const calls: string[] = [];
	const original = console.error;
	console.error = (...args: unknown[]) => void calls.push(args.map(String).join(' '));
	return { calls, restore: () => (console.error = original) };
}
