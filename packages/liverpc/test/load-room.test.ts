import { beforeEach, expect, it } from 'vitest';
import { live, liveList, type LiveClient } from 'liverpc/client';
import { admit, error, event, join, loadRoom, presence, type HistoryEvent, type RenderedRoom, type SocketEvent } from 'liverpc/server';
import { handle } from './fixtures/hooks.socket.js';
import { users } from './fixtures/store.js';
import { connect, eventually } from './harness.js';
import { restartableServer } from './support/restartable-server.js';

// Server-rendered rooms (#21): loadRoom() reads a room in a page's load as a join would (the
// socket hook on the request's cookies, the guard, the history), and a client given what it
// read joins from exactly there: the posts written between the render and that join arrive
// with it, none twice, in one process, after a restart, and while posts are being written.

interface Post {
	id: number;
	boardId: string;
	text: string;
}

const store = { posts: [] as Post[], historyReads: 0, guardRuns: 0 };

/** A board of one tenant: members are signed-in users of tenant acme. */
const enter = join((event: SocketEvent) => {
	store.guardRuns++;
	const user = (event.locals as { user?: { id: string; name: string; tenantId: string } }).user;
	if (!user) error(401, 'Sign in to read the board');
	if (user.tenantId !== 'acme') error(403, 'This board belongs to another tenant');
	return admit({ member: { user }, reply: { title: `Board ${event.params.boardId}`, connection: event.connectionId } });
});
const served = {
	enter,
	online: presence(enter, ({ member }) => ({ id: member.user.id, name: member.user.name })),
	post: event<Post>({
		id: 'id',
		history: ({ params, lastEventId }: HistoryEvent) => {
			store.historyReads++;
			const mine = store.posts.filter((post) => post.boardId === params.boardId);
			return typeof lastEventId === 'number' ? mine.filter((post) => post.id > lastEventId) : mine.slice(-50);
		}
	})
};
const contracts = { 'boards/[boardId]/board': served };

beforeEach(() => {
	store.posts.length = 0;
	store.historyReads = 0;
	store.guardRuns = 0;
});

function publish(boardId: string, text: string): Post {
	const post = { id: store.posts.length + 1, boardId, text };
	store.posts.push(post);
	served.post.to({ boardId }).emit(post);
	return post;
}

/** What SvelteKit hands a `load`: the request with the browser's cookies, its URL, the address. */
function pageRequest(url: string, cookie: string | undefined, boardId = 'b1') {
	const pageUrl = new URL(`/boards/${boardId}`, url);
	return {
		request: new Request(pageUrl, { headers: cookie ? { cookie } : {} }),
		url: pageUrl,
		params: { boardId },
		getClientAddress: () => '127.0.0.1'
	};
}

const restartable = () => restartableServer({ handle, contracts });

const ids = (items: readonly Post[]) => items.map((post) => post.id);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, index) => from + index);

/** Opens the rendered board on a real connection, with a list made the way a page makes it. */
function continueIn(client: LiveClient, rendered: RenderedRoom<typeof served>) {
	const room = client.live(served, rendered);
	const posts = liveList(room, 'post', { key: (post) => post.id });
	return { room, posts };
}

it('reads the reply, the history and the presence with the hook on the request cookies, as a join would', async () => {
	const { url } = await restartable();
	publish('b1', 'first');
	publish('b1', 'second');
	publish('b2', 'elsewhere');
	const watcher = connect(url, 'session=s-bob').live(served, { boardId: 'b1' });
	await eventually(() => watcher.status === 'joined');

	const rendered = await loadRoom(served, pageRequest(url, 'session=s-alice'));
	expect(rendered.error).toBeUndefined();
	// No connection holds a rendered room: its event's connectionId is empty.
	expect(rendered.join!.reply).toEqual({ title: 'Board b1', connection: '' });
	expect(rendered.join!.events.map(([name, post]) => [name, (post as Post).text])).toEqual([
		['post', 'first'],
		['post', 'second']
	]);
	expect(rendered.join!.resumed).toBe(true);
	// Who is here: Bob, who joined; the render itself is nobody's membership.
	expect(rendered.join!.presence).toEqual([[users.bob.id, { id: users.bob.id, name: users.bob.name }, 1]]);
	expect(JSON.parse(JSON.stringify(rendered))).toEqual(rendered); // plain data, as page data must be
});

it("answers the hook's and the guard's refusals as the rendered room's error, and throws for a room no server serves", async () => {
	const { url } = await restartable();
	expect((await loadRoom(served, pageRequest(url, undefined))).error).toEqual({ status: 401, message: 'Sign in to read the board' });
	expect((await loadRoom(served, pageRequest(url, 'session=s-eve'))).error).toEqual({ status: 403, message: 'This board belongs to another tenant' });
	// The fixture hook refuses a suspended account before any guard runs.
	const guardRuns = store.guardRuns;
	expect((await loadRoom(served, pageRequest(url, 'session=s-alice; banned=1'))).error).toEqual({ status: 401, message: 'This account is suspended' });
	expect(store.guardRuns).toBe(guardRuns);
	// An unexpected failure: a 500 with an id, never the thrown message.
	const crashed = await loadRoom(served, pageRequest(url, 'crash=1'));
	expect(crashed.error).toMatchObject({ status: 500, message: 'Internal Error', id: expect.any(String) });
	expect(JSON.stringify(crashed)).not.toContain('session store is down');

	// A contract never attached has no route; one attached to no server of this process has no server.
	await expect(loadRoom({ post: event<Post>() }, pageRequest(url, 'session=s-alice'))).rejects.toThrow(/whose exports have a route/);
	const unserved = { post: { '~liverpc': { kind: 'event', route: 'elsewhere/chat', name: 'post' } } };
	await expect(loadRoom(unserved, pageRequest(url, 'session=s-alice'))).rejects.toThrow(/no LiveRPC server in this process serves 'elsewhere\/chat'/);
	await expect(loadRoom(served, pageRequest(url, 'session=s-alice'), { board: 'x' })).rejects.toThrow(/loadRoom\(\)/);
});

it('continues from the render: what was written before the join arrives with it, nothing twice, without reading the history again', async () => {
	const { url } = await restartable();
	for (let index = 0; index < 5; index++) publish('b1', `before render ${index}`);
	const rendered = await loadRoom(served, pageRequest(url, 'session=s-alice'));
	expect(ids(rendered.join!.events.map(([, post]) => post as Post))).toEqual(range(1, 5));
	// Written while the page travels to the browser and its script starts.
	for (let index = 0; index < 3; index++) publish('b1', `after render ${index}`);
	const reads = store.historyReads;

	const { room, posts } = continueIn(connect(url, 'session=s-alice'), rendered);
	// Shown at once, before the socket has joined: the render's posts and reply.
	expect(room.status).toBe('joining');
	expect(room.joined).toEqual({ title: 'Board b1', connection: '' });
	expect(ids(posts.items)).toEqual(range(1, 5));

	await eventually(() => room.status === 'joined');
	expect(ids(posts.items)).toEqual(range(1, 8));
	// The server's log had everything after the render's position: no store read.
	expect(store.historyReads).toBe(reads);
	expect(room.resumed).toBe(true);
	publish('b1', 'live');
	await eventually(() => posts.items.length === 9);
	expect(ids(posts.items)).toEqual(range(1, 9));
});

it('continues from a render of a process that restarted before the join: the history fills the gap once', async () => {
	const servers = await restartable();
	for (let index = 0; index < 4; index++) publish('b1', `before ${index}`);
	const rendered = await loadRoom(served, pageRequest(servers.url, 'session=s-alice'));
	await servers.stop();
	await servers.start();
	// Written after the restart: the new process's log never saw the render's position.
	for (let index = 0; index < 3; index++) publish('b1', `after restart ${index}`);

	const { room, posts } = continueIn(connect(servers.url, 'session=s-alice'), rendered);
	await eventually(() => room.status === 'joined');
	expect(ids(posts.items)).toEqual(range(1, 7));
	expect(room.resumed).toBe(true);
});

it('loses and doubles nothing across the hand-off while posts are written all the time', async () => {
	const { url } = await restartable();
	let writing = true;
	const writer = (async () => {
		while (writing) {
			publish('b1', 'busy');
			await new Promise((resolve) => setImmediate(resolve));
		}
	})();
	const pages: Array<ReturnType<typeof continueIn>> = [];
	for (let index = 0; index < 8; index++) {
		const rendered = await loadRoom(served, pageRequest(url, 'session=s-alice'));
		await new Promise((resolve) => setTimeout(resolve, 5));
		pages.push(continueIn(connect(url, 'session=s-alice'), rendered));
	}
	await eventually(() => pages.every(({ room }) => room.status === 'joined'));
	writing = false;
	await writer;
	const last = store.posts.length;
	for (const { posts } of pages) {
		await eventually(() => posts.items.at(-1)?.id === last, 5000);
		const listed = ids(posts.items);
		// Each page starts at the history's first post and has every post after it, once, in order.
		expect(listed).toEqual(range(listed[0]!, last));
	}
});

it('shows a refused render as a refused room and sends no join; a server error is joined again', async () => {
	const { url } = await restartable();
	const refused = await loadRoom(served, pageRequest(url, 'session=s-eve'));
	const client = connect(url, 'session=s-eve');
	const runs = store.guardRuns;
	const room = client.live(served, refused);
	expect(room.status).toBe('rejected');
	expect(room.error).toEqual({ status: 403, message: 'This board belongs to another tenant' });
	await eventually(() => client.status === 'connected');
	await new Promise((resolve) => setTimeout(resolve, 100));
	expect(store.guardRuns).toBe(runs);

	// A 500 during the render is not a verdict: the browser's join tries for itself.
	const crashed = await loadRoom(served, pageRequest(url, 'crash=1'));
	const retried = connect(url, 'session=s-alice').live(served, crashed);
	await eventually(() => retried.status === 'joined');
});

it('renders the room on the server: live() given the rendered room shows its reply and its events to collections', async () => {
	const { url } = await restartable();
	publish('b1', 'shown in the HTML');
	const rendered = await loadRoom(served, pageRequest(url, 'session=s-alice'));
	// Plain Node, like SSR: the page's `live()` makes no connection and keeps nothing.
	expect(typeof window).toBe('undefined');
	const room = live(served, rendered);
	expect(room.status).toBe('joining');
	expect(room.joined).toEqual({ title: 'Board b1', connection: '' });
	expect(liveList(room, 'post').items.map((post) => post.text)).toEqual(['shown in the HTML']);
	const refused = live(served, await loadRoom(served, pageRequest(url, undefined)));
	expect(refused.status).toBe('rejected');
	expect(refused.error?.status).toBe(401);
	expect(liveList(refused, 'post').items).toEqual([]);
});

it("refuses a rendered room of another contract, or one that was tampered with, saying so", async () => {
	const { url } = await restartable();
	const rendered = await loadRoom(served, pageRequest(url, 'session=s-alice'));
	const other = { post: { '~liverpc': { kind: 'event', route: 'lobby/chat', name: 'post' } } };
	expect(() => connect(url).live(other, rendered as never)).toThrow(/rendered by loadRoom\(\) for 'boards\/\[boardId\]\/board', not for 'lobby\/chat'/);
	const tampered = { ...rendered, join: { ...rendered.join!, log: 'x' } };
	expect(() => connect(url).live(served, tampered as never)).toThrow(/malformed/);
});

it('starts a collection made after the join from the join and the live events since', async () => {
	const { url } = await restartable();
	publish('b1', 'history');
	const room = connect(url, 'session=s-alice').live(served, { boardId: 'b1' });
	await eventually(() => room.status === 'joined');
	publish('b1', 'live');
	const early = liveList(room, 'post', { key: (post) => post.id });
	await eventually(() => early.items.length === 2);
	// A second component on the same room, made now: it starts from the same posts.
	const late = liveList(room, 'post', { key: (post) => post.id });
	expect(ids(late.items)).toEqual([1, 2]);
});
