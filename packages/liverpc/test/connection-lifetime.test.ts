import { describe, expect, it } from 'vitest';
import { error, handleSocket, revoke, type SocketHook } from 'liverpc/server';
import { createClient } from 'liverpc/client';
import { chat, connect, eventually, feed, lobby, rawConnected, rejection, startServer } from './harness.js';
import { failNextJoins } from './fixtures/routes/(public)/lobby.socket.js';
import { counters, feed as feedStore, messages, sessions, users } from './fixtures/store.js';

// Connection lifetime (#19): a session deleted or expired on the server without revoke()
// used to leave the open socket acting as its user for as long as it stayed up. The hook
// says until when its locals hold (`expires`, capped by `localsMaxAge`); then it runs
// again with the handshake's cookies, over the same connection.

/** The fixtures' hook, with locals that hold for `lifetime` ms and a switch to refuse or fail. */
function lifetimeHook(firstLifetime: number) {
	const state = { lifetime: firstLifetime, runs: 0, refuse: new Set<string>(), failures: 0, delay: 0, ranAt: [] as number[], refusedRuns: [] as number[] };
	const handle: SocketHook = handleSocket(async ({ cookies }) => {
		const handshake = ++state.runs;
		state.ranAt.push(Date.now());
		if (state.delay) await new Promise((resolve) => setTimeout(resolve, state.delay));
		if (state.failures > 0) {
			state.failures--;
			throw new Error('session store is down');
		}
		const sessionId = cookies.get('session') ?? '';
		if (state.refuse.has(sessionId)) {
			// Numbered, so a test tells the re-check's refusal from a later handshake's.
			state.refusedRuns.push(handshake);
			error(401, `Your session has ended (run ${handshake})`);
		}
		const user = sessions.get(sessionId);
		return { locals: { user, handshake }, keys: user ? [`user:${user.id}`] : [], expires: new Date(Date.now() + state.lifetime) };
	});
	return { handle, state };
}

describe('connection lifetime', () => {
	it('runs the hook again when its expires comes: a valid session carries on over the same connection with new locals', async () => {
		const { handle, state } = lifetimeHook(300);
		const { url } = await startServer({ handle });
		const client = connect(url, 'session=s-alice');
		const room = client.live(lobby, {});
		await eventually(() => expect(room.status).toBe('joined'));
		const first = await room.echo();
		expect(first.handshake).toBe(1);

		// Well past 300 ms: the hook has run again, unseen, and the handlers see its locals.
		await eventually(() => expect(state.runs).toBeGreaterThanOrEqual(3), 3000);
		const later = await room.echo();
		expect(later.connection).toBe(first.connection); // the same connection, never reconnected
		expect(later.handshake).toBeGreaterThanOrEqual(3);
		expect(room.status).toBe('joined');
		expect(room.error).toBeUndefined();
		expect(client.status).toBe('connected');
		// Each re-check about 300 ms after the last (a 100 ms tick and a 10 % spread on top).
		const gaps = state.ranAt.slice(1).map((at, i) => at - state.ranAt[i]!);
		for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(250);
	});

	it('ends every room and closes the connection when the hook now refuses: the page shows the refusal and calls are refused', async () => {
		const { handle, state } = lifetimeHook(300);
		sessions.set('s-alice-lifetime', users.alice);
		const { url, server } = await startServer({ handle });
		const client = connect(url, 'session=s-alice-lifetime');
		const chatRoom = client.live(chat, { roomId: '1' });
		const lobbyRoom = client.live(lobby, {});
		await eventually(() => expect([chatRoom.status, lobbyRoom.status]).toEqual(['joined', 'joined']));
		const connection = (await lobbyRoom.echo()).connection;

		state.refuse.add('s-alice-lifetime'); // the session store says no, and nobody called revoke()
		await eventually(() => expect([chatRoom.status, lobbyRoom.status]).toEqual(['rejected', 'rejected']), 3000);
		// Told by the re-check itself (ENDED), not by a later handshake.
		const refusal = { status: 401, message: `Your session has ended (run ${state.refusedRuns[0]})` };
		expect(chatRoom.error).toEqual(refusal);
		expect(lobbyRoom.error).toEqual(refusal);
		const refused = await rejection(chatRoom.send({ text: 'after the end' }));
		expect(refused.status).toBe(401);
		expect(messages.some((message) => message.text === 'after the end')).toBe(false);
		// That connection is gone; the client came back through the handshake and was refused there.
		expect(server.io.of('/').sockets.has(connection)).toBe(false);
		await eventually(() => expect(client.status).toBe('rejected'));
		expect(client.error).toEqual({ status: 401, message: `Your session has ended (run ${state.refusedRuns[1]})` });
	});

	it('ends only the memberships whose join guard refuses the new locals', async () => {
		const { handle, state } = lifetimeHook(300);
		sessions.set('s-alice-guard', users.alice);
		const { url } = await startServer({ handle });
		const client = connect(url, 'session=s-alice-guard');
		const chatRoom = client.live(chat, { roomId: '1' });
		const lobbyRoom = client.live(lobby, {});
		await eventually(() => expect([chatRoom.status, lobbyRoom.status]).toEqual(['joined', 'joined']));
		const first = await lobbyRoom.echo();
		const heard: string[] = [];
		chatRoom.on('message', (message) => heard.push(message.text));

		sessions.delete('s-alice-guard'); // deleted in the store: the hook now gives anonymous locals
		const runs = state.runs;
		await eventually(() => expect(chatRoom.status).toBe('rejected'), 3000);
		expect(chatRoom.error).toEqual({ status: 401, message: 'Sign in to chat' }); // the chat guard's refusal
		expect(state.runs).toBeGreaterThan(runs);
		// The lobby lets anyone in: it carries on, over the same connection, with the new locals.
		expect(lobbyRoom.status).toBe('joined');
		const later = await lobbyRoom.echo();
		expect(later.connection).toBe(first.connection);
		expect(later.handshake).toBeGreaterThan(first.handshake!);
		expect(client.status).toBe('connected');
		// Out of the chat room: a message sent there now does not reach this tab.
		const bob = connect(url, 'session=s-bob').live(chat, { roomId: '1' });
		await eventually(() => expect(bob.status).toBe('joined'));
		await bob.send({ text: 'after the guard refused' });
		await new Promise((resolve) => setTimeout(resolve, 100));
		expect(heard).not.toContain('after the guard refused');
	});

	it('holds the calls made past the deadline until the hook has answered, and runs them with the new locals', async () => {
		const { handle, state } = lifetimeHook(300);
		const { url } = await startServer({ handle });
		const room = connect(url, 'session=s-alice').live(lobby, {});
		await eventually(() => expect(room.status).toBe('joined'));
		expect((await room.echo()).handshake).toBe(1);
		state.delay = 400; // the session store is slow to answer the re-check
		await new Promise((resolve) => setTimeout(resolve, 350)); // past the deadline, before the hook answered
		const asked = Date.now();
		const answer = await room.echo();
		expect(answer.handshake).toBe(2); // not the stale locals of handshake 1
		expect(Date.now() - asked).toBeGreaterThanOrEqual(100);
	});

	it('keeps a connection through a short outage of the session store (a 5xx from the hook is retried)', async () => {
		const { handle, state } = lifetimeHook(300);
		const { url } = await startServer({ handle });
		const client = connect(url, 'session=s-alice');
		const room = client.live(lobby, {});
		await eventually(() => expect(room.status).toBe('joined'));
		const first = await room.echo();
		state.failures = 2;
		const errors: unknown[] = [];
		const log = console.error;
		console.error = (...args: unknown[]) => void errors.push(args);
		try {
			await eventually(() => expect(state.failures).toBe(0), 3000);
			const later = await room.echo();
			expect(later.connection).toBe(first.connection);
			expect(later.handshake).toBeGreaterThan(3);
			expect(room.status).toBe('joined');
			expect(client.status).toBe('connected');
		} finally {
			console.error = log;
		}
		expect(errors.length).toBe(2); // each failure logged with its id
	});

	it('closes the connection when the session store stays down past the re-check budget, so the client reconnects through the handshake', async () => {
		const { handle, state } = lifetimeHook(300);
		const { url, server } = await startServer({ handle });
		const client = connect(url, 'session=s-alice');
		const room = client.live(lobby, {});
		await eventually(() => expect(room.status).toBe('joined'));
		const first = await room.echo();
		const log = console.error;
		console.error = () => {};
		try {
			state.failures = Infinity;
			const runsBefore = state.runs;
			const down = Date.now();
			await eventually(() => expect(server.io.of('/').sockets.has(first.connection)).toBe(false), 15_000, 50);
			const closedAfter = Date.now() - down;
			// Retried meanwhile with backoff (0.5 s, 1 s, 2 s…): an outage logs nobody out at once.
			expect(state.runs - runsBefore).toBeGreaterThanOrEqual(4);
			expect(closedAfter).toBeGreaterThan(2_000);
			expect(closedAfter).toBeLessThan(12_000); // the 10 s budget, plus the deadline
			state.failures = 0; // the store is back: the handshake admits the client again
			await eventually(async () => expect((await room.echo()).connection).not.toBe(first.connection), 5000, 200);
			expect(room.status).toBe('joined');
		} finally {
			console.error = log;
		}
	}, 30_000);

	it('applies localsMaxAge when the hook returns no expires', async () => {
		let runs = 0;
		const handle = handleSocket(() => ({ locals: { handshake: ++runs } }));
		const { url } = await startServer({ handle, localsMaxAge: 1000 });
		const room = connect(url).live(lobby, {});
		await eventually(() => expect(room.status).toBe('joined'));
		await eventually(() => expect(runs).toBeGreaterThanOrEqual(3), 6000);
		expect((await room.echo()).handshake).toBeGreaterThanOrEqual(3);
	});

	it('refuses a hook whose expires is not a time', async () => {
		const log = console.error;
		console.error = () => {};
		try {
			const handle = handleSocket(() => ({ locals: {}, expires: 'tomorrow' as never }));
			const { url } = await startServer({ handle });
			const client = connect(url);
			await eventually(() => expect(client.error?.status).toBe(500));
		} finally {
			console.error = log;
		}
	});

	it('closes a raw connection that ignores the refusal: it is told per room, then cut off, and its call never runs', async () => {
		const { handle, state } = lifetimeHook(300);
		sessions.set('s-alice-raw', users.alice);
		const { url } = await startServer({ handle });
		const raw = await rawConnected(url, 'session=s-alice-raw');
		const [joinError, joined] = await raw.ask('j', 'rooms/[roomId]/chat', { roomId: '1' }, null);
		expect(joinError).toBeNull();
		const { ref, room } = joined as { ref: number; room: string };

		state.refuse.add('s-alice-raw');
		state.delay = 300; // the re-check takes a while: a call sent meanwhile waits for it
		await new Promise((resolve) => setTimeout(resolve, 450));
		raw.send(`4299${JSON.stringify(['c', ref, 'send', { text: 'sent past the deadline' }, 1, 0])}`);
		const ended = await raw.next((frame) => frame.startsWith('42["x"'), 3000);
		expect(JSON.parse(ended.slice(2))).toEqual(['x', room, { status: 401, message: `Your session has ended (run ${state.refusedRuns[0]})` }]);
		expect(await raw.closed).toBeGreaterThan(0);
		expect(raw.frames.some((frame) => frame.startsWith('4399'))).toBe(false);
		expect(messages.some((message) => message.text === 'sent past the deadline')).toBe(false);
	});

	it('tells a long-polling client too: the room shows the refusal, then the connection closes', async () => {
		const { handle, state } = lifetimeHook(300);
		sessions.set('s-alice-polling', users.alice);
		const { url, server } = await startServer({ handle });
		const client = createClient({
			url,
			headers: { cookie: 'session=s-alice-polling' },
			backoff: { base: 20, max: 100 },
			socket: { transports: ['polling'], reconnectionDelay: 20, reconnectionDelayMax: 100 }
		});
		try {
			const room = client.live(chat, { roomId: '1' });
			await eventually(() => expect(room.status).toBe('joined'));
			const connection = [...server.io.of('/').sockets.keys()][0]!;
			expect(server.io.of('/').sockets.get(connection)!.conn.transport.name).toBe('polling');
			state.refuse.add('s-alice-polling');
			await eventually(() => expect(room.status).toBe('rejected'), 3000);
			// Told by the re-check over polling before the connection closed, not by the next handshake.
			expect(room.error).toEqual({ status: 401, message: `Your session has ended (run ${state.refusedRuns[0]})` });
			expect(server.io.of('/').sockets.has(connection)).toBe(false);
			await eventually(() => expect(client.status).toBe('rejected'));
		} finally {
			client.close();
		}
	});

	it('waits for a join whose guard was running with the old locals at the deadline, and checks that membership too', async () => {
		const { handle, state } = lifetimeHook(400);
		sessions.set('s-alice-joining', users.alice);
		const { url } = await startServer({ handle });
		const client = connect(url, 'session=s-alice-joining');
		const lobbyRoom = client.live(lobby, {});
		await eventually(() => expect(lobbyRoom.status).toBe('joined'));
		expect((await lobbyRoom.echo()).handshake).toBe(1);
		// The next locals hold for 10 s: only this re-check can catch the join below.
		state.lifetime = 10_000;
		// A join whose guard reads the locals now (alice) and answers after the deadline.
		feedStore.reset();
		feedStore.guardDelay = () => (feedStore.joins === 1 ? 600 : 0);
		const feedRoom = client.live(feed, { feedId: 'lifetime' });
		await eventually(() => expect(feedStore.joins).toBe(1));
		sessions.delete('s-alice-joining'); // the re-check at 400 ms finds no session
		try {
			await eventually(() => expect(feedRoom.status).toBe('rejected'), 3000);
			expect(feedRoom.error).toEqual({ status: 401, message: 'Sign in to read the feed' });
			expect((await rejection(feedRoom.publish({ text: 'as alice, after her session was deleted' }))).status).toBe(401);
			expect(feedStore.runs.has('as alice, after her session was deleted')).toBe(false);
			expect((await lobbyRoom.echo()).handshake).toBe(2);
		} finally {
			feedStore.reset();
		}
	});

	it('lets a room whose guard fails with a 5xx at the re-check join again, as a join that failed is retried', async () => {
		const { handle, state } = lifetimeHook(300);
		const { url } = await startServer({ handle });
		const client = connect(url, 'session=s-alice');
		const room = client.live(lobby, {});
		await eventually(() => expect(room.status).toBe('joined'));
		const first = await room.echo();
		state.lifetime = 10_000; // one re-check only
		const failures = counters.flakyJoinFailures;
		failNextJoins(1); // the guard's run at the re-check answers 503
		await eventually(() => expect(counters.flakyJoinFailures).toBe(failures + 1), 3000);
		// Joined again through the normal join (its reply is new), over the same connection, with the new locals.
		await eventually(() => expect([room.status, room.joined?.handshake]).toEqual(['joined', 2]), 3000);
		const later = await room.echo();
		expect(later.connection).toBe(first.connection);
		expect(later.handshake).toBe(2);
		expect(room.error).toBeUndefined();
	});

	it('moves the connection to the keys the hook returns at the re-check: revoke() of the new key ends it, of the old one nothing', async () => {
		let runs = 0;
		const handle = handleSocket(() => {
			runs++;
			return { locals: { handshake: runs }, keys: [`lifetime-run:${runs}`], expires: Date.now() + (runs === 1 ? 300 : 10_000) };
		});
		const { url } = await startServer({ handle });
		const room = connect(url).live(lobby, {});
		await eventually(() => expect(room.status).toBe('joined'));
		await eventually(() => expect(runs).toBe(2), 3000);
		await eventually(async () => expect((await room.echo()).handshake).toBe(2), 3000, 100);
		expect(await revoke('lifetime-run:1')).toBe(0);
		expect(await revoke('lifetime-run:2')).toBe(1);
	});
});
