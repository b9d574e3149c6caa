import { io } from 'socket.io-client';
import { describe, expect, it, vi } from 'vitest';
import { createClient } from 'liverpc/client';
import { handleSocket } from 'liverpc/server';
import { chat, connect, eventually, lobby, startServer } from './harness.js';
import { counters } from './fixtures/store.js';

describe('socket hook', () => {
	it('runs on every handshake and its locals reach the handlers', async () => {
		const { url } = await startServer();
		const before = counters.handshakes;
		const alice = connect(url, 'session=s-alice').live(chat, { roomId: '1' });
		const anonymous = connect(url).live(lobby);
		await eventually(() => expect([alice.status, anonymous.status]).toEqual(['joined', 'joined']));
		expect(counters.handshakes - before).toBe(2);
		expect(await alice.whoami({})).toEqual({ userId: 'u-alice', tenantId: 'acme', roomId: '1' });
		expect(await anonymous.echo()).toMatchObject({ handshake: anonymous.joined?.handshake });
	});

	it('runs again after a forced reconnect, with fresh locals', async () => {
		const { url, server } = await startServer();
		const client = connect(url);
		const room = client.live(lobby);
		await eventually(() => expect(room.status).toBe('joined'));
		const first = room.joined!.handshake!;

		for (const socket of server.io.of('/').sockets.values()) socket.conn.close(); // drop the transport
		await eventually(() => expect(room.joined?.handshake).toBeGreaterThan(first));
		expect(room.status).toBe('joined');
		const echoed = await room.echo();
		expect(echoed.handshake).toBe(room.joined!.handshake);
	});

	it('refuses the handshake with the 401 body the hook threw, and the client does not retry it', async () => {
		const { url } = await startServer();
		const before = counters.handshakes;
		const client = connect(url, 'banned=1');
		const room = client.live(lobby);
		await eventually(() => expect(client.status).toBe('rejected'));
		expect(client.error).toEqual({ status: 401, message: 'This account is suspended' });
		expect(room.status).toBe('rejected');
		expect(room.error?.status).toBe(401);
		await new Promise((resolve) => setTimeout(resolve, 300));
		expect(counters.handshakes - before).toBe(1);
	});

	it('answers an unexpected hook failure with 500 and an id that is in the log, then retries', async () => {
		const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
		const { url } = await startServer();
		const raw = io(url, { path: '/_liverpc', transports: ['websocket'], extraHeaders: { cookie: 'crash=1' }, reconnection: false, forceNew: true });
		const refusal = await new Promise<Error & { data?: { status: number; message: string; id: string } }>((resolve) =>
			raw.on('connect_error', resolve)
		);
		raw.close();
		expect(refusal.data).toMatchObject({ status: 500, message: 'Internal Error' });
		expect(refusal.data!.id).toMatch(/^[0-9a-f-]{36}$/);
		expect(JSON.stringify(refusal.data)).not.toContain('session store is down');
		const line = logged.mock.calls.find((args) => String(args[0]).includes(refusal.data!.id));
		expect(line?.[1]).toBeInstanceOf(Error);
		expect((line![1] as Error).message).toBe('session store is down');
		logged.mockRestore();
	});

	it('lets go of the upgrade request once the hook has read it', async () => {
		const { url, server } = await startServer();
		const room = connect(url, 'session=s-alice').live(chat, { roomId: '1' });
		await eventually(() => expect(room.status).toBe('joined'));
		const [socket] = server.io.of('/').sockets.values();
		expect(socket!.request).toBeNull();
		expect(socket!.handshake.headers).toEqual({});
		expect(room.joined?.as).toBe('u-alice'); // the hook still saw the cookie
	});

	it('hands the hook the request, the URL and the client address, destructured or not', async () => {
		let seen: Record<string, unknown> = {};
		const hook = handleSocket(({ getClientAddress, url, request, cookies }) => {
			seen = {
				address: getClientAddress(),
				path: url.pathname,
				transport: url.searchParams.get('transport'),
				cookieHeader: request.headers.get('cookie'),
				userAgent: request.headers.get('x-test'),
				all: cookies.getAll()
			};
			return { locals: {} };
		});
		const { url } = await startServer({ handle: hook });
		const client = createClient({ url, headers: { cookie: 'a=1; b=two', 'x-test': 'probe' } });
		await eventually(() => expect(client.status).toBe('connected'));
		client.close();
		expect(seen).toEqual({
			address: '127.0.0.1',
			path: '/_liverpc/',
			transport: 'websocket',
			cookieHeader: 'a=1; b=two',
			userAgent: 'probe',
			all: [
				{ name: 'a', value: '1' },
				{ name: 'b', value: 'two' }
			]
		});
	});

	it("follows the proxy's address header and XFF_DEPTH in getClientAddress(), as adapter-node does", async () => {
		const seen: string[] = [];
		const hook = handleSocket(({ getClientAddress }) => {
			seen.push(getClientAddress());
			return { locals: {} };
		});
		const { url } = await startServer({ handle: hook, proxy: { addressHeader: 'x-forwarded-for', xffDepth: 2 } });
		const client = createClient({ url, headers: { 'x-forwarded-for': '6.6.6.6, 203.0.113.7, 10.0.0.1' } });
		await eventually(() => expect(client.status).toBe('connected'));
		client.close();
		// The client-chosen first entry is ignored: the second from the right is the one the
		// trusted proxies saw.
		expect(seen).toEqual(['203.0.113.7']);
	});

	it('gives handlers only what the hook returned as locals', async () => {
		const hook = handleSocket(({ cookies }) => ({ locals: { handshake: Number(cookies.get('n')) } }));
		const { url } = await startServer({ handle: hook });
		const room = connect(url, 'n=7; session=s-alice').live(lobby);
		await eventually(() => expect(room.status).toBe('joined'));
		expect(room.joined).toEqual({ handshake: 7 });
	});

	it('reports a hook that returns no locals as a 500, not as undefined locals', async () => {
		const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
		const broken = handleSocket((() => ({ user: 'x' })) as never);
		const { url } = await startServer({ handle: broken });
		const client = connect(url);
		await eventually(() => expect(client.error?.status).toBe(500));
		expect(String(logged.mock.calls[0]?.[1])).toMatch(/must return \{ locals/);
		logged.mockRestore();
	});
});
