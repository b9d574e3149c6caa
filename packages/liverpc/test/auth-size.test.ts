import { request } from 'node:http';
import { expect, it, onTestFinished } from 'vitest';
import { rawConnected, startServer, stillServing } from './harness.js';
import { counters } from './fixtures/store.js';
import { openRaw } from './support/raw-engine-socket.js';
import { pollingHandshake, pollingPost } from './support/raw-engine-polling.js';

// The handshake `auth` is capped (#19): 400 idle anonymous connections with a 60 kB `auth`
// each cost 81 kB of heap apiece. One over `maxAuthBytes` (4,096 by default) is refused
// with 413 before it is parsed, and before the socket hook runs.

const TOO_LARGE = { status: 413, message: 'Handshake auth too large' };
/** The body of a CONNECT_ERROR frame (`44{message, data}`), as the client reads `connect_error`'s `data`. */
const refusal = (frame: string) => (JSON.parse(frame.slice(2)) as { data: unknown }).data;
const bigAuth = (bytes: number) => ({ pad: 'x'.repeat(bytes - '{"pad":""}'.length) });

it('refuses 400 connections whose CONNECT carries a 60 kB auth, before the hook runs', async () => {
	const { url, server } = await startServer();
	const before = counters.handshakes;
	const sockets = await Promise.all(Array.from({ length: 400 }, () => openRaw(url)));
	onTestFinished(() => sockets.forEach((socket) => socket.close()));
	const answers = await Promise.all(sockets.map((socket) => socket.connect(bigAuth(60_000))));
	for (const answer of answers) expect(refusal(answer)).toEqual(TOO_LARGE);
	expect(counters.handshakes).toBe(before);
	expect(server.io.of('/').sockets.size).toBe(0);
	await stillServing(url);
});

it('accepts an auth of exactly maxAuthBytes and refuses one byte more, non-ASCII counted in bytes', async () => {
	const { url } = await startServer({ limits: { maxAuthBytes: 1000 } });
	await rawConnected(url, 'session=s-alice', bigAuth(1000));
	const over = await openRaw(url);
	onTestFinished(() => over.close());
	expect(refusal(await over.connect(bigAuth(1001)))).toEqual(TOO_LARGE);
	// 400 characters, 1,200 bytes in UTF-8.
	const wide = await openRaw(url);
	onTestFinished(() => wide.close());
	expect(refusal(await wide.connect({ pad: '€'.repeat(400) }))).toEqual(TOO_LARGE);
	// A refused CONNECT leaves the connection free to CONNECT again, with a small auth.
	expect(await over.connect({ k: 1 })).toMatch(/^40\{/);
});

it('closes a connection whose oversized CONNECT names another namespace', async () => {
	const { url } = await startServer();
	const socket = await openRaw(url);
	onTestFinished(() => socket.close());
	socket.send(`40/admin,${JSON.stringify(bigAuth(10_000))}`);
	await socket.closed;
});

it('refuses an oversized auth over long-polling too', async () => {
	const { url } = await startServer();
	const before = counters.handshakes;
	const open = await pollingHandshake(url);
	const sid = (JSON.parse(open.body.slice(1)) as { sid: string }).sid;
	expect(await pollingPost(url, sid, `40${JSON.stringify(bigAuth(60_000))}`)).toBe(200);
	const answer = await pollingGet(url, sid);
	expect(answer.startsWith('44')).toBe(true);
	expect(refusal(answer)).toEqual(TOO_LARGE);
	expect(counters.handshakes).toBe(before);
});

/** One long-polling GET of a session: what the server had for it. */
function pollingGet(url: string, sid: string): Promise<string> {
	return new Promise((resolve, reject) => {
		const req = request(new URL(`${url}/_liverpc/?EIO=4&transport=polling&sid=${sid}`), (response) => {
			let body = '';
			response.on('data', (chunk: Buffer) => (body += chunk));
			response.on('end', () => resolve(body));
		});
		req.on('error', reject);
		req.end();
	});
}
