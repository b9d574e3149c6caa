import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, expect } from 'vitest';
import { createClient, LiveError, type LiveClient } from 'liverpc/client';
import { attach, type AttachOptions, type LiveServer } from 'liverpc/node';
import { handle } from './fixtures/hooks.socket.js';
import { openRaw, type RawSocket } from './support/raw-engine-socket.js';
import * as notes from './fixtures/routes/notes/notes.socket.js';
import * as lobby from './fixtures/routes/(public)/lobby.socket.js';
import * as chat from './fixtures/routes/rooms/[roomId]/chat.socket.js';
import * as open from './fixtures/routes/open/[slot]/open.socket.js';
import * as kit from './fixtures/routes/kit/kit.socket.js';
import * as feed from './fixtures/routes/feed/[feedId]/feed.socket.js';

export { chat, feed, kit, lobby, notes, open };

/** The fixtures' contracts under their route ids, as the Vite plugin would find them. */
export const contracts = {
	'rooms/[roomId]/chat': chat,
	'notes/notes': notes,
	'(public)/lobby': lobby,
	'open/[slot]': open,
	'kit/kit': kit,
	'feed/[feedId]/feed': feed
};

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
	for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A real HTTP server on a free loopback port with LiveRPC attached; closed after the test. */
export async function startServer(options: Partial<AttachOptions> = {}): Promise<{ url: string; server: LiveServer }> {
	const httpServer = http.createServer();
	const server = attach(httpServer, { handle, contracts, ...options });
	await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
	const { port } = httpServer.address() as AddressInfo;
	cleanups.push(() => server.close());
	return { url: `http://127.0.0.1:${port}`, server };
}

/** A real `socket.io-client` connection through `liverpc/client`, with test-speed backoff. */
export function createTestClient(url: string, cookie?: string): LiveClient {
	return createClient({
		url,
		headers: cookie ? { cookie } : undefined,
		backoff: { base: 20, max: 100 },
		socket: { reconnectionDelay: 20, reconnectionDelayMax: 100 }
	});
}

/** {@link createTestClient}, closed after the test. */
export function connect(url: string, cookie?: string): LiveClient {
	const client = createTestClient(url, cookie);
	cleanups.push(() => client.close());
	return client;
}

/**
 * Resolves once `check` stops throwing (or returns true); fails after `timeout` ms.
 * A check that calls or joins on one connection should poll at `interval` ≥ 100 ms, or
 * the rate limits answer it instead of the server under test (a CI failure on a slow
 * watcher: 429 where a 500 was awaited).
 */
export async function eventually(check: () => unknown, timeout = 3000, interval = 10): Promise<void> {
	const start = Date.now();
	for (;;) {
		try {
			if ((await check()) !== false) return;
		} catch (problem) {
			if (Date.now() - start > timeout) throw problem;
		}
		if (Date.now() - start > timeout) throw new Error(`condition not met within ${timeout} ms`);
		await new Promise((resolve) => setTimeout(resolve, interval));
	}
}

/** Proves the server still serves: a fresh connection joins a guarded room and calls. */
export async function stillServing(url: string): Promise<void> {
	const room = connect(url, 'session=s-alice').live(chat, { roomId: '1' });
	await eventually(() => expect(room.status).toBe('joined'));
	expect(await room.whoami({})).toMatchObject({ userId: 'u-alice' });
	room.leave();
}

/** A raw websocket (see support/raw-engine-socket.ts) that has connected with this cookie; closed after the test. */
export async function rawConnected(url: string, cookie = 'session=s-alice', auth?: Record<string, unknown>): Promise<RawSocket> {
	const socket = await openRaw(url, { cookie });
	cleanups.push(() => socket.close());
	expect(await socket.connect(auth)).toMatch(/^40\{/);
	return socket;
}

/** The rejection of a promise, which must reject with a LiveError. */
export async function rejection(promise: Promise<unknown>): Promise<LiveError> {
	const outcome = await promise.then(
		(value) => ({ value }),
		(thrown: unknown) => ({ thrown })
	);
	if (!('thrown' in outcome)) throw new Error(`expected a rejection, got ${JSON.stringify(outcome.value)}`);
	expect(outcome.thrown).toBeInstanceOf(LiveError);
	return outcome.thrown as LiveError;
}
