import { describe, expect, it, vi } from 'vitest';
import { startServer, stillServing } from './harness.js';
import { counters } from './fixtures/store.js';
import { openRaw } from './support/raw-engine-socket.js';
import { pollingHandshake } from './support/raw-engine-polling.js';

// Cross-site WebSocket hijacking (#8): a page on another origin opens a socket to the app
// and the browser attaches the user's cookie. The handshake must be refused, on both
// transports, before the socket hook runs.

// Engine.IO answers every refused upgrade with 400 and the reason as the body; a refused
// polling handshake gets 403 with the reason in JSON. Both count as 'refused' here.
type Outcome = 'open' | 'refused' | string;

/** Opens a websocket with these headers; resolves with 'open', 'refused' or what else happened. */
async function websocketOutcome(url: string, headers: Record<string, string>): Promise<Outcome> {
	try {
		const socket = await openRaw(url, { cookie: 'session=s-alice', ...headers });
		const answer = await socket.connect();
		socket.close();
		return answer.startsWith('40') ? 'open' : answer;
	} catch (refusal) {
		const { status, body } = refusal as { status?: number; body?: string };
		return status === 400 && body === 'Origin not allowed' ? 'refused' : String(refusal);
	}
}

async function pollingOutcome(url: string, headers: Record<string, string>): Promise<Outcome> {
	const { status, body } = await pollingHandshake(url, { cookie: 'session=s-alice', ...headers });
	if (status === 200 && body.startsWith('0{')) return 'open';
	if (status === 403 && body === JSON.stringify({ code: 4, message: 'Origin not allowed' })) return 'refused';
	return `${status} ${body}`;
}

async function bothTransports(url: string, headers: Record<string, string>) {
	return [await websocketOutcome(url, headers), await pollingOutcome(url, headers)];
}

describe('Origin check', () => {
	it('refuses another site, Origin: null and another port of the same host, before the hook runs', async () => {
		const warned = vi.spyOn(console, 'warn').mockImplementation(() => {});
		const { url } = await startServer();
		const port = new URL(url).port;
		const before = counters.handshakes;
		for (const origin of ['https://evil.example', 'null', `http://127.0.0.1:${Number(port) + 1}`, `http://localhost:${port}`, 'not an origin']) {
			expect(await bothTransports(url, { origin }), origin).toEqual(['refused', 'refused']);
		}
		expect(counters.handshakes).toBe(before);
		// The operator learns why, once per origin; the client learns nothing more.
		expect(warned.mock.calls.some(([line]) => String(line).includes('https://evil.example is not this server'))).toBe(true);
		warned.mockRestore();
		await stillServing(url);
	});

	it("admits the request's own origin on both transports", async () => {
		const { url } = await startServer();
		expect(await bothTransports(url, { origin: url })).toEqual(['open', 'open']);
	});

	it('admits only ORIGIN and the allowlist once ORIGIN is set', async () => {
		vi.spyOn(console, 'warn').mockImplementation(() => {});
		const { url } = await startServer({ origin: 'https://chat.example.com', allowedOrigins: ['https://admin.example.com/'] });
		expect(await bothTransports(url, { origin: 'https://chat.example.com' })).toEqual(['open', 'open']);
		expect(await bothTransports(url, { origin: 'https://admin.example.com' })).toEqual(['open', 'open']);
		expect(await bothTransports(url, { origin: url })).toEqual(['refused', 'refused']);
		expect(await bothTransports(url, { origin: 'http://chat.example.com' })).toEqual(['refused', 'refused']);
		vi.restoreAllMocks();
	});

	it('admits a handshake without Origin by default, unless it comes from another site', async () => {
		vi.spyOn(console, 'warn').mockImplementation(() => {});
		const { url } = await startServer();
		expect(await bothTransports(url, {})).toEqual(['open', 'open']); // a Node script, a native app
		expect(await bothTransports(url, { 'sec-fetch-site': 'same-origin' })).toEqual(['open', 'open']);
		// What a <script src> on another site sends: no Origin, but Sec-Fetch-Site says where from.
		expect(await bothTransports(url, { 'sec-fetch-site': 'cross-site' })).toEqual(['refused', 'refused']);
		expect(await bothTransports(url, { 'sec-fetch-site': 'same-site' })).toEqual(['refused', 'refused']);
		vi.restoreAllMocks();
	});

	it('refuses a handshake without Origin when allowMissingOrigin is false', async () => {
		vi.spyOn(console, 'warn').mockImplementation(() => {});
		const { url } = await startServer({ allowMissingOrigin: false });
		expect(await bothTransports(url, {})).toEqual(['refused', 'refused']);
		expect(await bothTransports(url, { origin: url })).toEqual(['open', 'open']);
		vi.restoreAllMocks();
	});

	it("honours the proxy's protocol and host headers, as adapter-node does", async () => {
		vi.spyOn(console, 'warn').mockImplementation(() => {});
		const { url } = await startServer({ proxy: { protocolHeader: 'x-forwarded-proto', hostHeader: 'x-forwarded-host' } });
		const forwarded = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'rooms.example.com' };
		expect(await bothTransports(url, { ...forwarded, origin: 'https://rooms.example.com' })).toEqual(['open', 'open']);
		expect(await bothTransports(url, { ...forwarded, origin: url })).toEqual(['refused', 'refused']);
		// With a protocol header, its word is final: no https fallback for the Host.
		expect(await bothTransports(url, { 'x-forwarded-proto': 'http', origin: url.replace('http:', 'https:') })).toEqual(['refused', 'refused']);
		vi.restoreAllMocks();
	});

	it('admits https:// of the Host behind a TLS proxy that sends no protocol header', async () => {
		const { url } = await startServer();
		expect(await bothTransports(url, { origin: url.replace('http:', 'https:') })).toEqual(['open', 'open']);
	});
});
