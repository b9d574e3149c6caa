import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { freePort, useApp } from './support/app.js';
import { signIn } from './support/browser.js';

// Cross-site WebSocket hijacking (#8): WebSockets are not subject to CORS, so a page on
// another origin that opens a socket to the app gets the user's cookie attached by the
// browser. Another port of 127.0.0.1 is such an origin, and the nastiest one: cookies
// ignore ports and it is same-site, so even a SameSite=Lax session cookie goes along.

type Handshake = {
	websocket: { opened: boolean; connect?: string; join?: unknown; closeCode?: number };
	polling: { status?: number; body?: string; error?: string };
};

/**
 * Runs in the page: Engine.IO/Socket.IO frames by hand on a WebSocket to the app ('40'
 * connects, '421[…]' is an event with ack id 1, '431[…]' its answer), then a polling
 * handshake with credentials. Everything the page could learn is returned.
 */
async function handshakeFromPage(page: Page, appUrl: string): Promise<Handshake> {
	return page.evaluate(async (appUrl) => {
		const host = new URL(appUrl).host;
		const websocket = await new Promise<Handshake['websocket']>((resolve) => {
			const result: Handshake['websocket'] = { opened: false };
			const socket = new WebSocket(`ws://${host}/_liverpc/?EIO=4&transport=websocket`);
			const done = () => {
				clearTimeout(timer);
				socket.close();
				resolve(result);
			};
			const timer = setTimeout(done, 10_000);
			socket.onopen = () => (result.opened = true);
			socket.onclose = (event) => {
				result.closeCode = event.code;
				done();
			};
			socket.onmessage = ({ data }) => {
				const frame = String(data);
				if (frame === '2') return socket.send('3'); // engine.io ping
				if (frame.startsWith('0{')) return socket.send('40'); // engine.io open: connect
				if (/^4[04]/.test(frame)) {
					result.connect = frame;
					if (frame.startsWith('40')) socket.send('421' + JSON.stringify(['j', 'rooms/[roomId]/chat', { roomId: 'acme-general' }]));
					else done();
					return;
				}
				const ack = /^431(.*)$/s.exec(frame);
				if (ack) {
					result.join = JSON.parse(ack[1]!);
					done();
				}
			};
		});
		let polling: Handshake['polling'];
		try {
			const response = await fetch(`${appUrl}/_liverpc/?EIO=4&transport=polling`, { credentials: 'include' });
			polling = { status: response.status, body: await response.text() };
		} catch (problem) {
			polling = { error: String(problem) };
		}
		return { websocket, polling };
	}, appUrl);
}

/** What the browser's network stack sent and got for the page's polling handshakes (CDP). */
async function watchPolling(page: Page): Promise<{ requests: Array<{ origin?: string; cookie?: string; status?: number }> }> {
	const cdp = await page.context().newCDPSession(page);
	await cdp.send('Network.enable');
	const byId = new Map<string, { url?: string; origin?: string; cookie?: string; status?: number }>();
	const entry = (id: string) => byId.get(id) ?? byId.set(id, {}).get(id)!;
	cdp.on('Network.requestWillBeSent', (event) => (entry(event.requestId).url = event.request.url));
	// The ExtraInfo events carry what really went over the wire: cookies included.
	cdp.on('Network.requestWillBeSentExtraInfo', (event) => {
		entry(event.requestId).origin = event.headers['Origin'] as string | undefined;
		entry(event.requestId).cookie = event.headers['Cookie'] as string | undefined;
	});
	cdp.on('Network.responseReceivedExtraInfo', (event) => (entry(event.requestId).status = event.statusCode));
	return {
		get requests() {
			return [...byId.values()].filter(({ url }) => url?.includes('/_liverpc/?EIO=4&transport=polling')).map(({ url: _url, ...seen }) => seen);
		}
	};
}

describe('a page on another origin of the same host (node build, Chromium)', () => {
	const fixture = useApp('build');
	let elsewhere: Server;
	let elsewhereUrl: string;

	beforeAll(async () => {
		const port = await freePort();
		elsewhereUrl = `http://127.0.0.1:${port}`;
		elsewhere = createServer((_request, response) => {
			response.setHeader('content-type', 'text/html; charset=utf-8');
			response.end('<!doctype html><title>Elsewhere</title><p>A page that is not the app.</p>');
		});
		await new Promise<void>((resolve) => elsewhere.listen(port, '127.0.0.1', resolve));
	});
	afterAll(async () => {
		await new Promise((resolve) => elsewhere?.close(resolve));
	});

	it("cannot open a websocket or a polling session with alice's cookie, while the app's own page connects and joins", async () => {
		const { app, browser } = fixture;
		const context = await browser.newContext();
		await signIn(context, app.url, 'alice');

		const attacker = await context.newPage();
		await attacker.goto(elsewhereUrl);
		const consoleLines: string[] = [];
		attacker.on('console', (message) => consoleLines.push(message.text()));
		const network = await watchPolling(attacker);
		const stolen = await handshakeFromPage(attacker, app.url);

		expect(stolen.websocket.opened).toBe(false);
		expect(stolen.websocket.connect).toBeUndefined();
		expect(stolen.websocket.join).toBeUndefined();
		// The server, not the browser, said no: Chromium reports the upgrade's HTTP status.
		expect(consoleLines.join('\n')).toMatch(/WebSocket connection to .*\/_liverpc\/.* failed: .*Unexpected response code: 400/);
		expect(stolen.polling.body ?? '').not.toMatch(/^0\{/);
		// The browser did attach alice's session to the polling handshake (same-site, and
		// cookies ignore ports): the attack is real, and only the Origin stops it. The page
		// cannot read the answer (no CORS headers); the network saw a 403.
		expect(network.requests).toEqual([{ origin: elsewhereUrl, cookie: expect.stringMatching(/(^|; )session=/), status: 403 }]);

		const own = await context.newPage();
		await own.goto(`${app.url}/rooms`);
		const admitted = await handshakeFromPage(own, app.url);
		expect(admitted.websocket.opened).toBe(true);
		expect(admitted.websocket.connect).toMatch(/^40\{"sid"/);
		expect(admitted.websocket.join).toMatchObject([null, { room: expect.any(String), ref: 1, reply: { room: { id: 'acme-general' } } }]);
		expect(admitted.polling.status).toBe(200);
		expect(admitted.polling.body).toMatch(/^0\{"sid"/);
		await context.close();
	});
});
