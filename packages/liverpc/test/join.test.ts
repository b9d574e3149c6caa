import { describe, expect, it } from 'vitest';
import { chat, connect, eventually, lobby, startServer } from './harness.js';
import { counters } from './fixtures/store.js';

describe('join', () => {
	it('lets a member of the tenant in and replies with the history and its own identity', async () => {
		const { url } = await startServer();
		const room = connect(url, 'session=s-alice').live(chat, { roomId: '1' });
		expect(room.status).toBe('joining');
		await eventually(() => expect(room.status).toBe('joined'));
		expect(room.joined?.as).toBe('u-alice');
		expect(Array.isArray(room.joined?.history)).toBe(true);
		expect(room.error).toBeUndefined();
	});

	it('rejects a connection without a session cookie with 401, on the server', async () => {
		const { url } = await startServer();
		const client = connect(url);
		const room = client.live(chat, { roomId: '1' });
		await eventually(() => expect(room.status).toBe('rejected'));
		expect(client.status).toBe('connected'); // the connection itself is fine
		expect(room.error).toEqual({ status: 401, message: 'Sign in to chat' });
	});

	it('rejects a user of another tenant with 403 and an unknown room id with 404', async () => {
		const { url } = await startServer();
		const client = connect(url, 'session=s-eve');
		const other = client.live(chat, { roomId: '1' });
		const missing = client.live(chat, { roomId: '999' });
		const own = client.live(chat, { roomId: '2' });
		await eventually(() => expect([other.status, missing.status, own.status]).toEqual(['rejected', 'rejected', 'joined']));
		expect(other.error).toEqual({ status: 403, message: 'This room belongs to another tenant' });
		expect(missing.error).toEqual({ status: 404, message: 'No such room' });
	});

	it('does not retry a rejected join', async () => {
		const { url } = await startServer();
		const before = counters.joins;
		const room = connect(url).live(chat, { roomId: '1' });
		await eventually(() => expect(room.status).toBe('rejected'));
		// The harness backoff is 20–100 ms: a retry loop would have run many times by now.
		await new Promise((resolve) => setTimeout(resolve, 500));
		expect(counters.joins - before).toBe(1);
		expect(room.status).toBe('rejected');
	});

	it('retries a 5xx join with backoff until it succeeds', async () => {
		const { url } = await startServer();
		lobby.failNextJoins(2);
		const before = counters.flakyJoinFailures;
		const room = connect(url).live(lobby);
		await eventually(() => expect(room.status).toBe('joined'));
		expect(counters.flakyJoinFailures - before).toBe(2);
		expect(room.error).toBeUndefined();
	});

	it('rejects params that do not fit the route before the guard runs', async () => {
		const { url } = await startServer();
		const client = connect(url, 'session=s-alice');
		const before = counters.joins;
		const cases = [{}, { roomId: '' }, { roomId: 'a/b' }, { roomId: '1', extra: 'x' }];
		const handles = cases.map((params) => client.live(chat, params as { roomId: string }));
		await eventually(() => expect(handles.every((h) => h.status === 'rejected')).toBe(true));
		for (const handle of handles) expect(handle.error?.status).toBe(400);
		expect(handles[2]!.error?.message).toMatch(/roomId.*'\/'/);
		expect(counters.joins - before).toBe(0);
	});

	it('shares one server membership between two handles of the same room', async () => {
		const { url, server } = await startServer();
		const client = connect(url, 'session=s-alice');
		const first = client.live(chat, { roomId: '1' });
		const second = client.live(chat, { roomId: '1' });
		await eventually(() => expect(first.status).toBe('joined'));
		expect(second.status).toBe('joined');
		const members = () => server.io.of('/').adapter.rooms.get('rooms/[roomId]/chat#rooms/1/chat')?.size ?? 0;
		expect(members()).toBe(1);
		first.leave();
		expect(first.status).toBe('closed');
		expect(second.status).toBe('joined');
		await new Promise((resolve) => setTimeout(resolve, 50));
		expect(members()).toBe(1);
		second.leave();
		await eventually(() => expect(members()).toBe(0));
	});
});
