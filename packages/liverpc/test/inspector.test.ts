import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { admit, call, error, join, presence } from 'liverpc/server';
import { registerContracts } from '../src/runtime/server/contract/contract-registry.js';
import { createLiveServer } from '../src/runtime/server/live-server.js';
import { resolveOptions } from '../src/runtime/server/options/live-options.js';
import { connect, eventually, startServer, stillServing } from './harness.js';
import { handle } from './fixtures/hooks.socket.js';

// #22: the dev inspector. `vite dev` passes `inspector` to the live server; these servers are
// made the same way over loopback, and a plain attach() server (node build's) must answer 404.
const enter = join(({ locals }) => {
	if (!locals.user) error(401, 'Sign in first');
	return admit({ member: { user: locals.user } });
});
const team = {
	enter,
	online: presence(enter, ({ member }) => ({ id: member.user.id, name: member.user.name })),
	ping: call(async () => {
		await new Promise((resolve) => setTimeout(resolve, 5));
		return 'pong';
	}),
	fail: call(() => error(409, 'Not now'))
};
const ROUTE = 'teams/[teamId]/room';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
	for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A server as the Vite dev server makes it, with the inspector on. */
async function startDevServer(showLocals = false): Promise<string> {
	const httpServer = http.createServer();
	const server = createLiveServer(httpServer, {
		hooks: { handle },
		contracts: registerContracts({ [ROUTE]: team }),
		options: resolveOptions({}),
		inspector: { showLocals }
	});
	await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
	cleanups.push(() => server.close());
	return `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`;
}

interface State {
	snapshot: {
		connections: Array<{ id: string; locals: unknown; rooms: string[] }>;
		rooms: Array<{ key: string; room: string; route: string; members: Array<{ connectionId: string; member: unknown }>; presence: Array<{ id: string; entry: unknown; connections: number }> }>;
		localsShown: boolean;
	};
	activity: Array<{ seq: number; kind: string; route?: string; name?: string; connectionId?: string; status?: number; ms?: number }>;
}

async function state(url: string): Promise<State> {
	const response = await fetch(`${url}/_liverpc/inspector/state`);
	expect(response.status).toBe(200);
	return (await response.json()) as State;
}

/** Alice in the red team's room, after one call. */
async function aliceJoinsAndCalls(url: string) {
	const client = connect(url, 'session=s-alice');
	const room = client.live(team, { teamId: 'red' });
	await eventually(() => expect(room.status).toBe('joined'));
	expect(await room.ping()).toBe('pong');
	return room;
}

/** Server-Sent Events from `…/inspector/feed`, parsed, as they arrive. */
async function openFeed(url: string) {
	const controller = new AbortController();
	const response = await fetch(`${url}/_liverpc/inspector/feed`, { signal: controller.signal });
	expect(response.status).toBe(200);
	expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
	const events: Array<{ event: string; data: unknown }> = [];
	const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
	let buffered = '';
	void (async () => {
		for (;;) {
			const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
			if (done) return;
			buffered += value;
			let end: number;
			while ((end = buffered.indexOf('\n\n')) >= 0) {
				const block = buffered.slice(0, end);
				buffered = buffered.slice(end + 2);
				const event = /^event: (.*)$/m.exec(block)?.[1];
				const data = /^data: (.*)$/m.exec(block)?.[1];
				if (event && data) events.push({ event, data: JSON.parse(data) });
			}
		}
	})();
	cleanups.push(async () => controller.abort());
	return events;
}

describe('the dev inspector', () => {
	it('lists the connection with its locals redacted, the room, its member and presence, and the join and call with status and duration', async () => {
		const url = await startDevServer();
		await aliceJoinsAndCalls(url);
		const { snapshot, activity } = await state(url);

		expect(snapshot.localsShown).toBe(false);
		expect(snapshot.connections).toHaveLength(1);
		const [connection] = snapshot.connections;
		// Keys and types only: no id, name or tenant of Alice's.
		expect(connection!.locals).toEqual({ user: { id: 'string', name: 'string', tenantId: 'string' }, handshake: 'number' });
		expect(JSON.stringify([snapshot.connections, snapshot.rooms[0]?.members])).not.toMatch(/u-alice|Alice|acme/);
		expect(connection!.rooms).toEqual(['teams/red/room']);

		expect(snapshot.rooms).toEqual([
			{
				key: `${ROUTE}#teams/red/room`,
				route: ROUTE,
				room: 'teams/red/room',
				members: [{ connectionId: connection!.id, member: { user: { id: 'string', name: 'string', tenantId: 'string' } } }],
				// Presence is what every member sees already: shown as it is.
				presence: [{ id: 'u-alice', entry: { id: 'u-alice', name: 'Alice' }, connections: 1 }]
			}
		]);

		const joined = activity.find((each) => each.kind === 'join');
		expect(joined).toMatchObject({ route: ROUTE, connectionId: connection!.id, status: 200 });
		expect(joined!.ms).toBeGreaterThanOrEqual(0);
		const called = activity.find((each) => each.kind === 'call');
		expect(called).toMatchObject({ route: ROUTE, name: 'ping', connectionId: connection!.id, status: 200 });
		expect(called!.ms).toBeGreaterThanOrEqual(4);
	});

	it('shows the error status of a refused call', async () => {
		const url = await startDevServer();
		const room = await aliceJoinsAndCalls(url);
		await expect(room.fail()).rejects.toMatchObject({ status: 409 });
		await eventually(async () => expect((await state(url)).activity.at(-1)).toMatchObject({ kind: 'call', name: 'fail', status: 409 }));
	});

	it('shows the values of locals when opted in', async () => {
		const url = await startDevServer(true);
		await aliceJoinsAndCalls(url);
		const { snapshot } = await state(url);
		expect(snapshot.localsShown).toBe(true);
		expect(snapshot.connections[0]!.locals).toMatchObject({ user: { id: 'u-alice', name: 'Alice', tenantId: 'acme' } });
	});

	it('streams what changes, live: a new call, a leave', async () => {
		const url = await startDevServer();
		const room = await aliceJoinsAndCalls(url);
		const events = await openFeed(url);
		await eventually(() => expect(events.map((each) => each.event).slice(0, 2)).toEqual(['snapshot', 'activity']));
		const seen = (events[1]!.data as State['activity']).length;
		expect(seen).toBeGreaterThanOrEqual(2);

		await room.ping();
		await eventually(() => {
			const later = events.slice(2).filter((each) => each.event === 'activity').flatMap((each) => each.data as State['activity']);
			expect(later).toContainEqual(expect.objectContaining({ kind: 'call', name: 'ping', status: 200 }));
		});
		room.leave();
		await eventually(() => {
			const last = events.filter((each) => each.event === 'snapshot').at(-1)!.data as State['snapshot'];
			expect(last.rooms).toEqual([]);
			expect(last.connections[0]!.rooms).toEqual([]);
		});
	});

	it('serves a self-contained page, to same-origin GETs on an allowed host only', async () => {
		const url = await startDevServer();
		for (const path of ['/_liverpc/inspector', '/_liverpc/inspector/', '/_liverpc/inspector?x=1']) {
			const response = await fetch(url + path);
			expect(response.status, path).toBe(200);
			expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
			expect(response.headers.get('content-security-policy')).toMatch(/default-src 'none'; script-src 'nonce-/);
			const page = await response.text();
			expect(page).toContain('LiveRPC inspector');
			expect(page).not.toMatch(/<(script|link|img)[^>]+(src|href)=/);
		}
		expect((await fetch(`${url}/_liverpc/inspector`, { method: 'POST' })).status).toBe(405);
		expect((await fetch(`${url}/_liverpc/inspector/state`, { headers: { 'sec-fetch-site': 'cross-site' } })).status).toBe(403);
		expect(await statusWithHost(url, '/_liverpc/inspector/state', 'rebound.example.com')).toBe(403);
		expect(await statusWithHost(url, '/_liverpc/inspector/state', 'localhost:5173')).toBe(200);
		expect((await fetch(`${url}/_liverpc/inspector/other`)).status).toBe(404);
		// Socket.IO's own requests still reach Engine.IO.
		expect((await fetch(`${url}/_liverpc/?EIO=4&transport=polling`)).status).toBe(200);
	});
});

describe('a server without the inspector (node build, attach())', () => {
	it('answers a plain 404 at the inspector path and below, and still serves sockets', async () => {
		const { url } = await startServer();
		for (const path of ['/_liverpc/inspector', '/_liverpc/inspector/feed', '/_liverpc/inspector/state?x=<b>']) {
			const response = await fetch(url + path);
			expect(response.status, path).toBe(404);
			expect(await response.text()).toBe('Not found\n');
		}
		expect((await fetch(`${url}/_liverpc/inspectors`)).status).toBe(400); // Engine.IO's, as before
		await stillServing(url);
	});

	it('answers 404 under a socket path of its own', async () => {
		const { url } = await startServer({ path: '/base/_liverpc' });
		expect((await fetch(`${url}/base/_liverpc/inspector`)).status).toBe(404);
	});
});

/** fetch() cannot set Host: the status of a GET with this Host header. */
function statusWithHost(url: string, path: string, host: string): Promise<number> {
	return new Promise((resolve, reject) => {
		const request = http.get(url + path, { headers: { host } }, (response) => {
			response.resume();
			resolve(response.statusCode!);
		});
		request.on('error', reject);
	});
}
