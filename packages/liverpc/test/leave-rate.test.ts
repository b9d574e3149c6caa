import { expect, it, onTestFinished } from 'vitest';
import { connect, eventually, open, rawConnected, startServer, stillServing } from './harness.js';
import { LEAVE } from '../src/runtime/shared/protocol.js';
import { openRaw } from './support/raw-engine-socket.js';

// Every packet type is metered (#19): one anonymous connection once sent 196,000 LEAVE
// packets in 5 s, all accepted, never closed. A leave over `leavesPerSecond` / `leaveBurst`
// is dropped and counts as a refusal; a connection that keeps on is closed.

it('closes a connection that floods LEAVE packets after a bounded number of them', async () => {
	const { url, server } = await startServer();
	// Counts the leaves the server acted on: a listener next to LiveRPC's own.
	let handled = 0;
	server.io.on('connection', (socket) => socket.on(LEAVE, () => handled++));
	const socket = await openRaw(url);
	onTestFinished(() => socket.close());
	expect(await socket.connect()).toMatch(/^40\{/);

	const started = Date.now();
	let sent = 0;
	let closed = false;
	void socket.closed.then(() => (closed = true));
	// 200,000 leaves, in writes of 500, for as long as the connection stays open.
	while (!closed && sent < 200_000) {
		socket.sendBatch(Array.from({ length: 500 }, (_, index) => `42["l",${sent + index}]`));
		sent += 500;
		await new Promise((resolve) => setTimeout(resolve, 1));
	}
	await socket.closed;
	const seconds = (Date.now() - started) / 1000;
	// The burst (50), what the rate refills meanwhile (10/s), and no more.
	expect(handled).toBeLessThanOrEqual(50 + Math.ceil(seconds * 10) + 1);
	// Closed once the refusals ran out: the burst of 50 leaves and 50 refusals, plus refills.
	expect(sent).toBeLessThan(20_000);
	await eventually(() => expect(server.io.of('/').sockets.size).toBe(0));
	await stillServing(url);
});

it('leaves a page that leaves its 50 rooms at once alone', async () => {
	const { url, server } = await startServer();
	let handled = 0;
	server.io.on('connection', (socket) => socket.on(LEAVE, () => handled++));
	const client = connect(url);
	const rooms = Array.from({ length: 50 }, (_, slot) => client.live(open, { slot: String(slot) }));
	await eventually(() => expect(rooms.every((room) => room.status === 'joined')).toBe(true));
	for (const room of rooms) room.leave();
	await eventually(() => expect(handled).toBe(50));
	// The same connection goes on: it joins and calls as before.
	const again = client.live(open, { slot: 'again' });
	await eventually(() => expect(again.status).toBe('joined'), 3000, 100);
	expect(await again.ping()).toBe('pong again');
	expect(server.io.engine.clientsCount).toBe(1);
});

it('still passes leaves at the documented rate, over the burst', async () => {
	const { url, server } = await startServer({ limits: { leavesPerSecond: 1000, leaveBurst: 20 } });
	const socket = await rawConnected(url);
	const [, joined] = (await socket.ask('j', '(public)/lobby', {})) as [null, { ref: number }];
	// 500 leaves of refs it does not hold, at 1,000/s allowed: none is refused, nothing closes.
	for (let batch = 0; batch < 50; batch++) {
		socket.sendBatch(Array.from({ length: 10 }, (_, index) => `42["l",${1000 + batch * 10 + index}]`));
		await new Promise((resolve) => setTimeout(resolve, 15));
	}
	socket.send(`42["l",${joined.ref}]`);
	expect(await socket.ask('j', '(public)/lobby', {})).toMatchObject([null, { room: expect.any(String) }]);
	expect(server.io.engine.clientsCount).toBe(1);
});
