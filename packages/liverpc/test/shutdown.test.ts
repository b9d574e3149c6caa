import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { io } from 'socket.io-client';
import { attach, type LiveServer } from 'liverpc/node';
import { call } from 'liverpc/server';
import { connect, eventually } from './harness.js';
import { openRaw } from './support/raw-engine-socket.js';

// LiveServer.shutdown(), which `node build` runs on SIGTERM (#3): no new handshakes, calls
// in flight finish within the timeout, then clients are handed over to the next process.

const servers: LiveServer[] = [];
afterEach(async () => {
	for (const server of servers.splice(0)) await server.close();
});

/** A room whose `hold` call finishes only when the test releases it. */
function holdingRoom() {
	let release: ((value: string) => void) | undefined;
	const module = {
		hold: call(() => new Promise<string>((resolve) => (release = resolve)))
	};
	return {
		module,
		/** Whether the server is running the call now. */
		running: () => release !== undefined,
		release: (value: string) => release!(value)
	};
}

async function serve(module: Record<string, unknown>): Promise<{ url: string; live: LiveServer }> {
	const httpServer = http.createServer();
	const live = attach(httpServer, { contracts: { 'hold/room': module } });
	servers.push(live);
	await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
	return { url: `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`, live };
}

describe('LiveServer.shutdown()', () => {
	it('refuses new handshakes with 503, lets the call in flight finish, then disconnects the client', async () => {
		const { module, running, release } = holdingRoom();
		const { url, live } = await serve(module);
		const room = connect(url).live(module, {});
		await eventually(() => expect(room.status).toBe('joined'));

		const reply = room.hold();
		await eventually(() => expect(running()).toBe(true));
		let stopped = false;
		const stopping = live.shutdown({ timeout: 5000 }).then(() => (stopped = true));

		const late = io(url, { path: '/_liverpc', transports: ['websocket'], reconnection: false });
		const refusal = await new Promise<unknown>((resolve) => late.once('connect_error', (error) => resolve((error as { data?: unknown }).data)));
		late.close();
		expect(refusal).toEqual({ status: 503, message: 'The server is restarting' });
		expect(stopped).toBe(false);
		expect(room.status).toBe('joined');

		release('finished');
		await expect(reply).resolves.toBe('finished');
		await stopping;
		await eventually(() => expect(room.status).toBe('reconnecting'));
		expect(live.io.of('/').sockets.size).toBe(0);
	});

	it('stops waiting at the timeout: the client holds the unfinished call for its next server', async () => {
		const { module, running } = holdingRoom();
		const { url, live } = await serve(module);
		const client = connect(url);
		const room = client.live(module, {});
		await eventually(() => expect(room.status).toBe('joined'));

		const reply = room.hold();
		let outcome: unknown;
		reply.then(
			(value) => (outcome = { value }),
			(error: unknown) => (outcome = { error })
		);
		await eventually(() => expect(running()).toBe(true));
		const started = Date.now();
		await live.shutdown({ timeout: 150 });
		expect(Date.now() - started).toBeGreaterThanOrEqual(140);
		await eventually(() => expect(room.status).toBe('reconnecting'));
		// Its ack is lost, so it may have run: it waits to be sent again with the same
		// number (the next server answers it from its memory, or runs it once).
		await new Promise((resolve) => setTimeout(resolve, 100));
		expect(outcome).toBeUndefined();
		client.close();
		await expect(reply).rejects.toMatchObject({ status: 410 });
	});

	// node build exits once adapter-node's HTTP server has closed, which waits for every
	// connection, upgraded ones included. A session whose handshake the shutdown refused
	// (its client retries on the same session) once kept a chaos-test process alive until it
	// was killed.
	it('closes the sessions that hold no connection, so the HTTP server can close', async () => {
		const { module, running, release } = holdingRoom();
		const { url, live } = await serve(module);
		const httpServer = live.io.httpServer;
		const room = connect(url).live(module, {});
		await eventually(() => expect(room.status).toBe('joined'));
		// An Engine.IO session that answers pings and never sends its handshake.
		const idle = await openRaw(url);
		const reply = room.hold();
		await eventually(() => expect(running()).toBe(true));
		const stopping = live.shutdown({ timeout: 5000 });

		// A handshake while the shutdown waits for the call: the 503, then its session closes.
		const late = await openRaw(url);
		expect(await late.connect()).toBe('44{"message":"The server is restarting","data":{"status":503,"message":"The server is restarting"}}');
		expect(await late.closed).toBeGreaterThan(0);

		release('finished');
		await expect(reply).resolves.toBe('finished');
		await stopping;
		expect(await idle.closed).toBeGreaterThan(0);
		await new Promise<void>((resolve) => httpServer.close(() => resolve()));
	});
});
