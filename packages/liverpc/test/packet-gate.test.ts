import { describe, expect, it, onTestFinished } from 'vitest';
import { rawConnected, startServer, stillServing } from './harness.js';
import { counters, messages } from './fixtures/store.js';
import { CLIENT_KEY, RESENT } from '../src/runtime/shared/protocol.js';
import { nestedArrays, openRaw } from './support/raw-engine-socket.js';

// Every value from the wire is hostile (#8). Each test below sends, over a raw websocket,
// a packet that once stopped the whole process or let one connection take what it liked,
// and asserts the safe outcome and that the server goes on serving.

const connected = rawConnected;

// Large enough for the frames below to reach the packet checks rather than the size limit.
const ROOMY = { limits: { maxMessageBytes: 1_000_000 } };

describe('packet gate', () => {
	it('answers a route id or call name of {"toString":1} with a fixed 404 and keeps serving', async () => {
		const { url } = await startServer();
		const socket = await connected(url);
		expect(await socket.ask('j', { toString: 1 }, {})).toEqual([{ status: 404, message: 'No such room' }]);
		expect(await socket.ask('j', { valueOf: 1, toString: 1 }, { roomId: '1' })).toEqual([{ status: 404, message: 'No such room' }]);
		const [, joined] = (await socket.ask('j', '(public)/lobby', {})) as [null, { ref: number }];
		expect(await socket.ask('c', joined.ref, { toString: 1 }, {})).toEqual([{ status: 404, message: 'No such call in this room' }]);
		expect(await socket.ask('c', { toString: 1 }, 'echo', null)).toEqual([{ status: 404, message: 'Not a member of this room: join it first' }]);
		socket.send('42["l",{"toString":1}]'); // a leave answers nothing; it must not throw either
		await stillServing(url);
	});

	it('answers route ids and call names nested 10,000 and 100,000 arrays deep', async () => {
		const { url } = await startServer(ROOMY);
		const socket = await connected(url);
		const [, joined] = (await socket.ask('j', '(public)/lobby', {})) as [null, { ref: number }];
		for (const depth of [10_000, 100_000]) {
			expect(await socket.askRaw(`["j",${nestedArrays(depth)},{}]`)).toEqual([{ status: 404, message: 'No such room' }]);
			expect(await socket.askRaw(`["c",${joined.ref},${nestedArrays(depth)},null]`)).toEqual([
				{ status: 404, message: 'No such call in this room' }
			]);
			expect(await socket.askRaw(`["j","rooms/[roomId]/chat",${nestedArrays(depth)}]`)).toEqual([
				{ status: 400, message: "Invalid params for room 'rooms/[roomId]/chat': params must be an object" }
			]);
		}
		await stillServing(url);
	});

	it('runs a call marked as sent again once, whatever the mark says, with no other process to ask', async () => {
		const { url } = await startServer();
		const socket = await rawConnected(url, 'session=s-alice', { [CLIENT_KEY]: 'resent-marks-0123456789' });
		const [, joined] = (await socket.ask('j', 'rooms/[roomId]/chat', { roomId: '1' })) as [null, { ref: number }];
		const before = messages.length;
		let number = 0;
		for (const mark of [RESENT, 0, 2, 'x', { toString: 1 }, [RESENT], null]) {
			const text = `marked ${++number}`;
			const [failure, saved] = await socket.ask('c', joined.ref, 'send', { text }, number, 1, mark);
			expect(failure).toBeNull();
			expect(saved).toMatchObject({ text });
			// The same number again, marked: the first answer, not a second run.
			expect(await socket.ask('c', joined.ref, 'send', { text }, number, 1, RESENT)).toEqual([null, saved]);
		}
		expect(messages.length - before).toBe(number);
		// One argument more than a marked call has is not LiveRPC protocol.
		expect(await socket.ask('c', joined.ref, 'send', { text: 'one too many' }, ++number, 1, RESENT, 1)).toEqual([
			{ status: 400, message: 'Malformed packet: not LiveRPC protocol' }
		]);
		await stillServing(url);
	});

	it('refuses a call with 80,000 extra arguments before Socket.IO spreads them', async () => {
		const { url } = await startServer(ROOMY);
		const socket = await connected(url);
		const [, joined] = (await socket.ask('j', '(public)/lobby', {})) as [null, { ref: number }];
		const extra = ',1'.repeat(80_000);
		expect(await socket.askRaw(`["c",${joined.ref},"echo",null${extra}]`)).toEqual([
			{ status: 400, message: 'Malformed packet: not LiveRPC protocol' }
		]);
		expect(await socket.askRaw(`["j","(public)/lobby",{}${extra}]`)).toEqual([{ status: 400, message: 'Malformed packet: not LiveRPC protocol' }]);
		// Any other event name, however many arguments, goes no further either.
		expect(await socket.askRaw(`["anything"${extra}]`)).toEqual([
			{ status: 400, message: 'Unknown event: LiveRPC only serves joins, leaves and calls' }
		]);
		socket.send(`42["anything"${extra}]`); // and without an ack id: dropped
		socket.send(`42["l",1${extra}]`);
		// The connection itself is fine: a well-formed call still works.
		expect(await socket.ask('c', joined.ref, 'echo', null)).toMatchObject([null, { handshake: expect.any(Number) }]);
		await stillServing(url);
	});

	it('refuses a client that sends the internal refusal event or an acknowledgement of its own', async () => {
		const { url } = await startServer();
		const socket = await connected(url);
		expect(await socket.ask('~refused', { status: 200, message: 'echo me <script>' })).toEqual([
			{ status: 400, message: 'Unknown event: LiveRPC only serves joins, leaves and calls' }
		]);
		socket.send('431[{"status":200}]'); // an ACK nobody asked for: dropped
		expect(await socket.ask('j', '(public)/lobby', {})).toMatchObject([null, { ref: 1 }]);
	});

	it('closes a connection that sends 20,000 CONNECT frames in one write; the hook runs once', async () => {
		const { url, server } = await startServer();
		const before = counters.handshakes;
		const socket = await openRaw(url, { cookie: 'session=s-alice' });
		onTestFinished(() => socket.close());
		socket.sendBatch(Array.from({ length: 20_000 }, () => '40'));
		await socket.closed;
		expect(counters.handshakes - before).toBeLessThanOrEqual(1);
		await new Promise((resolve) => setTimeout(resolve, 50));
		expect(server.io.of('/').sockets.size).toBe(0);
		await stillServing(url);
	});

	it('lets a connection try again after its handshake was refused, but not without end', async () => {
		const { url } = await startServer();
		const socket = await openRaw(url, { cookie: 'banned=1' });
		onTestFinished(() => socket.close());
		// The hook refuses; a client may CONNECT again on the same connection (after sign-in,
		// say) a few times, then the connection is closed: each attempt runs the hook.
		for (let attempt = 0; attempt < 5; attempt++) expect(await socket.connect()).toMatch(/^44\{.*"status":401/);
		socket.send('40');
		await socket.closed;
	});

	it('keeps CONNECT to another namespace and a second CONNECT on an open one out', async () => {
		const { url } = await startServer();
		const other = await openRaw(url, { cookie: 'session=s-alice' });
		onTestFinished(() => other.close());
		other.send('40/admin,');
		await other.closed;

		const socket = await connected(url);
		socket.send('40');
		await socket.closed;
		await stillServing(url);
	});
});
