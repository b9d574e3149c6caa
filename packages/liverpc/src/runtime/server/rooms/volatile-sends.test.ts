import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { io as connect, type Socket as ClientSocket } from 'socket.io-client';
import { afterEach, expect, it } from 'vitest';
import { EVENT } from '../../shared/protocol.js';
import { VolatileSends } from './volatile-sends.js';

// A real Socket.IO server and clients on loopback: what one connection gets from VolatileSends.

const cleanups: Array<() => void> = [];
afterEach(() => {
	for (const cleanup of cleanups.splice(0)) cleanup();
});

async function serve(maxBufferedBytes = 4_194_304) {
	const httpServer = http.createServer();
	const io = new Server(httpServer);
	await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
	io.on('connection', (socket) => void socket.join('room'));
	const sends = new VolatileSends(io, () => maxBufferedBytes);
	cleanups.push(() => {
		sends.stop();
		void io.close();
	});
	const member = async () => {
		const client: ClientSocket = connect(`http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`, { transports: ['websocket'] });
		cleanups.push(() => client.close());
		const received: unknown[][] = [];
		client.on(EVENT, (...args: unknown[]) => received.push(args));
		await new Promise<void>((resolve) => client.once('connect', () => resolve()));
		await until(() => io.of('/').adapter.rooms.get('room')?.has(client.id!) === true);
		return received;
	};
	return { io, sends, member };
}

async function until(check: () => boolean): Promise<void> {
	for (let waited = 0; !check(); waited += 5) {
		if (waited > 3000) throw new Error('not in time');
		await new Promise((resolve) => setTimeout(resolve, 5));
	}
}

it('sends at once to a connection that can take it, as room key, name and payload, no seq', async () => {
	const { sends, member } = await serve();
	const received = await member();
	sends.send('room', 'cursor', { x: 1 }, 'cursor');
	await until(() => received.length === 1);
	expect(received).toEqual([['room', 'cursor', { x: 1 }]]);
});

it('holds what a busy connection cannot take: the latest per key wins, each key once, in the order held', async () => {
	const { sends, member } = await serve();
	const received = await member();
	// In one tick: the first is written, the websocket is busy until its write is done.
	sends.send('room', 'cursor', { user: 'a', x: 1 }, 'a');
	sends.send('room', 'cursor', { user: 'a', x: 2 }, 'a');
	sends.send('room', 'cursor', { user: 'b', x: 1 }, 'b');
	sends.send('room', 'cursor', { user: 'a', x: 3 }, 'a');
	await until(() => received.length === 3);
	await new Promise((resolve) => setTimeout(resolve, 50));
	expect(received.map(([, , payload]) => payload)).toEqual([
		{ user: 'a', x: 1 },
		{ user: 'b', x: 1 },
		{ user: 'a', x: 3 }
	]);
	expect(sends.waiting).toBe(0);
});

it('sends nothing to a room without members here', async () => {
	const { sends } = await serve();
	sends.send('elsewhere', 'cursor', { x: 1 }, 'cursor');
	expect(sends.waiting).toBe(0);
});
