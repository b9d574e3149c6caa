import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { attach } from 'liverpc/node';
import { handleSocket } from 'liverpc/server';
import { chat, connect, contracts, eventually, startServer } from './harness.js';
import { counters, messages, sessions, users } from './fixtures/store.js';

describe('reconnect', () => {
	it('re-joins every open room after the server drops the transport, running each guard with the new locals', async () => {
		const { url, server } = await startServer();
		const client = connect(url, 'session=s-rotating');
		sessions.set('s-rotating', users.alice);
		const room = client.live(chat, { roomId: '1' });
		await eventually(() => expect(room.status).toBe('joined'));
		expect(room.joined?.as).toBe('u-alice');

		// The session now belongs to another tenant: the re-join must see it and refuse.
		sessions.set('s-rotating', users.eve);
		for (const socket of server.io.of('/').sockets.values()) socket.conn.close();
		await eventually(() => expect(room.status).toBe('rejected'));
		expect(room.error).toEqual({ status: 403, message: 'This room belongs to another tenant' });
		sessions.delete('s-rotating');
	});

	it('renews the join reply after a reconnect and calls work again', async () => {
		const { url, server } = await startServer();
		const room = connect(url, 'session=s-bob').live(chat, { roomId: '1' });
		await eventually(() => expect(room.status).toBe('joined'));
		const firstHandshake = room.joined!.handshake!;
		const statuses: string[] = [];
		const timer = setInterval(() => statuses.push(room.status), 1);

		for (const socket of server.io.of('/').sockets.values()) socket.conn.close();
		await eventually(() => expect(room.joined?.handshake).toBeGreaterThan(firstHandshake));
		clearInterval(timer);
		expect(statuses).toContain('reconnecting');
		expect(room.status).toBe('joined');
		expect(await room.whoami({})).toMatchObject({ userId: 'u-bob' });
	});

	it('keeps a refused room refused across network reconnects, and retries it after client.reconnect()', async () => {
		const { url, server } = await startServer();
		sessions.set('s-later', users.eve);
		const client = connect(url, 'session=s-later');
		const room = client.live(chat, { roomId: '1' });
		await eventually(() => expect(room.status).toBe('rejected'));
		const joinsBefore = counters.joins;

		// A network drop and reconnect: the rejected room is not live, so it is not re-joined.
		for (const socket of server.io.of('/').sockets.values()) socket.conn.close();
		await eventually(() => expect(client.status).toBe('connected'));
		await new Promise((resolve) => setTimeout(resolve, 100));
		expect(counters.joins).toBe(joinsBefore);
		expect(room.status).toBe('rejected');

		// The session changed (say, the user switched tenants): reconnect() runs the hook
		// again and gives the refused room one fresh try with the new locals.
		sessions.set('s-later', users.alice);
		client.reconnect();
		await eventually(() => expect(room.status).toBe('joined'));
		expect(room.joined?.as).toBe('u-alice');
		sessions.delete('s-later');
	});

	it('answers a call in flight when the connection drops after the re-join, having run it once', async () => {
		const { url, server } = await startServer();
		const room = connect(url, 'session=s-alice').live(chat, { roomId: '1' });
		await eventually(() => expect(room.status).toBe('joined'));
		const pending = room.send({ text: 'in flight when cut' }); // the handler takes 5 ms
		for (const socket of server.io.of('/').sockets.values()) socket.conn.close();
		await expect(pending).resolves.toMatchObject({ text: 'in flight when cut' });
		expect(room.status).toBe('joined');
		expect(messages.filter((m) => m.text === 'in flight when cut')).toHaveLength(1);
	});

	it('carries on through a full server restart on the same port', async () => {
		const hook = handleSocket(({ cookies }) => ({ locals: { user: sessions.get(cookies.get('session') ?? '') } }));
		const first = http.createServer();
		let live = attach(first, { handle: hook, contracts });
		await new Promise<void>((resolve) => first.listen(0, '127.0.0.1', resolve));
		const { port } = first.address() as AddressInfo;
		const room = connect(`http://127.0.0.1:${port}`, 'session=s-alice').live(chat, { roomId: '1' });
		await eventually(() => expect(room.status).toBe('joined'));

		await live.close();
		await eventually(() => expect(room.status).toBe('reconnecting'));

		const second = http.createServer();
		live = attach(second, { handle: hook, contracts });
		await new Promise<void>((resolve) => second.listen(port, '127.0.0.1', resolve));
		try {
			await eventually(() => expect(room.status).toBe('joined'), 5000);
			expect(await room.whoami({})).toMatchObject({ userId: 'u-alice' });
		} finally {
			await live.close();
		}
	});
});
