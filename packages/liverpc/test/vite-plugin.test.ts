// The Vite plugin against a real Vite dev server (no SvelteKit): Socket.IO on Vite's own HTTP
// server, socket files loaded through Vite's SSR module graph and reloaded on edit, and the
// client/SSR transforms of `.socket.ts` modules.
//
// The app is copied to a fresh temp dir per test, with `node_modules` linked to the
// workspace's. Contracts import `liverpc/server`, which the plugin keeps external: Node loads
// it from `dist/` (run `npm run build` first; `npm test` does).
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer, type Plugin, type ViteDevServer } from 'vite';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createClient, type LiveClient } from 'liverpc/client';
import { WebSocket } from 'ws';
import { liverpc } from 'liverpc/vite';
import { createTestClient, eventually } from './harness.js';
import { openRaw, type RawSocket } from './support/raw-engine-socket.js';
import type * as EchoContract from './fixtures/vite-app/src/routes/echo/[id]/echo.socket.js';
import type * as NotifyModule from './fixtures/vite-app/src/lib/server/notify.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/vite-app', import.meta.url));
const PACKAGE = fileURLToPath(new URL('..', import.meta.url));
const NODE_MODULES = path.resolve(PACKAGE, '../../node_modules');

const ECHO_ROUTE = 'echo/[id]/echo';
const ECHO_URL = '/src/routes/echo/[id]/echo.socket.ts';
const ECHO_FILE = 'src/routes/echo/[id]/echo.socket.ts';
const HOOKS_FILE = 'src/hooks.socket.ts';

// Strings that live only in server code: none may reach the browser's version of the contract.
const SERVER_ONLY = ['CALL_HANDLER_SECRET_7e3b', 'JOIN_HANDLER_SECRET_9a2c', 'COUNTER_MODULE_SECRET_4d1f'];

type Kind = 'join' | 'call' | 'event';
const marker = (kind: Kind, route: string, name: string) => ({ '~liverpc': { kind, route, name } });

/** What the browser gets for the echo contract: markers only, typed as the real module. */
const echo = {
	echoed: marker('event', ECHO_ROUTE, 'echoed'),
	enter: marker('join', ECHO_ROUTE, 'enter'),
	send: marker('call', ECHO_ROUTE, 'send')
} as unknown as typeof EchoContract;

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
	for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

beforeAll(() => {
	if (!existsSync(path.join(PACKAGE, 'dist/exports/server/index.js'))) {
		throw new Error('liverpc/server is loaded from dist/ by the dev server: run `npm run build` in packages/liverpc first');
	}
});

interface App {
	root: string;
	server: ViteDevServer;
	url: string;
	/** Writes a file of the app, path relative to its root. */
	write(file: string, code: string): void;
	read(file: string): string;
	remove(file: string): void;
}

/** Copies the fixture app to a temp dir and runs a Vite dev server with liverpc() on a free port. */
async function startApp(extraPlugins: Plugin[] = []): Promise<App> {
	const root = mkdtempSync(path.join(os.tmpdir(), 'liverpc-vite-'));
	cleanups.push(() => rmSync(root, { recursive: true, force: true }));
	cpSync(FIXTURE, root, { recursive: true });
	symlinkSync(NODE_MODULES, path.join(root, 'node_modules'), 'dir');

	const server = await createServer({
		root,
		configFile: false,
		envFile: false,
		logLevel: 'silent',
		clearScreen: false,
		appType: 'custom',
		plugins: [...extraPlugins, liverpc()],
		server: { host: '127.0.0.1', port: 0, strictPort: true },
		optimizeDeps: { noDiscovery: true, include: [] }
	});
	cleanups.push(() => server.close());
	await server.listen();
	const { port } = server.httpServer!.address() as AddressInfo;
	expect(port).toBeGreaterThan(0);

	return {
		root,
		server,
		url: `http://127.0.0.1:${port}`,
		write: (file, code) => writeFileSync(path.join(root, file), code),
		read: (file) => readFileSync(path.join(root, file), 'utf8'),
		remove: (file) => unlinkSync(path.join(root, file))
	};
}

/** A real Socket.IO client through `liverpc/client`; closed before its server. */
function connect(url: string, cookie?: string): LiveClient {
	const client = createTestClient(url, cookie);
	cleanups.push(() => client.close());
	return client;
}

/** Waits until a room has left `joining`, and returns where it ended. */
async function settled(room: { status: string }): Promise<string> {
	await eventually(() => expect(room.status).not.toBe('joining'), 5000);
	return room.status;
}

/** Returns `code` with `from` replaced by `to`, failing if `from` is not there. */
function edit(code: string, from: string, to: string): string {
	expect(code).toContain(from);
	return code.split(from).join(to);
}

describe('liverpc() Vite plugin in dev', () => {
	it("serves the app's socket files on Vite's own port: the hook's locals, a join, a call and an event", async () => {
		const app = await startApp();

		const room = connect(app.url, 'user=alice').live(echo, { id: '42' });
		expect(await settled(room)).toBe('joined');
		expect(room.joined).toEqual({ id: '42', user: 'hook-v1:alice' });

		const events: Array<{ text: string; by: string }> = [];
		room.on('echoed', (payload) => events.push(payload));
		const reply = await room.send({ text: 'hello' });
		expect(reply).toEqual({ version: 'v1', text: 'hello', id: '42', by: 'hook-v1:alice', total: 1, joins: 1, secretLength: 24 });
		await eventually(() => expect(events).toEqual([{ text: 'hello', by: 'hook-v1:alice' }]));

		// The call's schema runs on the server (valibot, loaded through Vite's SSR graph).
		await expect(room.send({ text: 5 } as never)).rejects.toMatchObject({ status: 400 });

		// Without the cookie the hook gives no user and the guard refuses.
		const anonymous = connect(app.url).live(echo, { id: '42' });
		expect(await settled(anonymous)).toBe('rejected');
		expect(anonymous.error).toMatchObject({ status: 401 });

		// Vite's own HTTP server still answers next to Socket.IO.
		const response = await fetch(`${app.url}${ECHO_URL}`);
		expect(response.status).toBe(200);
	});

	it("prints the dev inspector's address with the ones vite dev prints", async () => {
		const { server, url } = await startApp();
		const info = vi.spyOn(server.config.logger, 'info').mockImplementation(() => {});
		server.printUrls();
		const printed = info.mock.calls.map(([line]) => String(line)).find((line) => line.includes('LiveRPC inspector'));
		expect(printed).toContain(`${url.replace('127.0.0.1', new URL(server.resolvedUrls!.local[0]!).hostname)}/_liverpc/inspector`);
		const page = await fetch(`${new URL(server.resolvedUrls!.local[0]!).origin}/_liverpc/inspector`, { headers: { 'sec-fetch-site': 'same-origin' } });
		expect(page.status).toBe(200);
	});

	it("leaves Vite's HMR socket on the same port alone", async () => {
		const app = await startApp();
		// Vite's browser client opens this WebSocket (subprotocol `vite-hmr`) on the page's port,
		// the port Socket.IO shares; its first message says it is connected.
		const hmr = new WebSocket(app.url.replace('http:', 'ws:') + '/', 'vite-hmr');
		cleanups.push(() => hmr.close());
		const first = await new Promise<string>((resolve, reject) => {
			hmr.once('message', (data) => resolve(String(data)));
			hmr.once('error', reject);
		});
		expect(JSON.parse(first)).toEqual({ type: 'connected' });
		expect(hmr.protocol).toBe('vite-hmr');
	});

	it('picks up an edited contract on the next call of a joined room, and an edited hook on the next connection', async () => {
		const app = await startApp();
		const alice = connect(app.url, 'user=alice').live(echo, { id: '1' });
		expect(await settled(alice)).toBe('joined');
		const events: Array<{ text: string; by: string }> = [];
		alice.on('echoed', (payload) => events.push(payload));
		expect(await alice.send({ text: 'before' })).toMatchObject({ version: 'v1', total: 1, joins: 1 });

		app.write(ECHO_FILE, edit(app.read(ECHO_FILE), "version: 'v1'", "version: 'v2'"));
		let after: Awaited<ReturnType<typeof alice.send>> | undefined;
		await eventually(async () => {
			after = await alice.send({ text: 'after' });
			expect(after.version).toBe('v2');
		}, 8000, 100);
		// Same membership (no re-join: the guard ran once), same counter module instance
		// (only the edited file was re-evaluated), same locals (same handshake).
		expect(after).toMatchObject({ text: 'after', id: '1', by: 'hook-v1:alice', joins: 1 });
		expect(after!.total).toBeGreaterThanOrEqual(2);
		expect(alice.status).toBe('joined');
		// Events declared by the new module version reach the room too.
		await eventually(() => expect(events.at(-1)).toEqual({ text: 'after', by: 'hook-v1:alice' }));

		app.write(HOOKS_FILE, edit(app.read(HOOKS_FILE), 'hook-v1:', 'hook-v2:'));
		await eventually(async () => {
			const client = connect(app.url, 'user=bob');
			const bob = client.live(echo, { id: '1' });
			try {
				expect(await settled(bob)).toBe('joined');
				expect(bob.joined).toEqual({ id: '1', user: 'hook-v2:bob' });
			} finally {
				client.close();
			}
		}, 8000);
		// The connection made before the edit keeps the locals of its own handshake.
		expect(await alice.send({ text: 'still' })).toMatchObject({ version: 'v2', by: 'hook-v1:alice' });
	});

	it('serves a saved contract on the next call even when the file watcher never reports the save', async () => {
		const app = await startApp();
		const alice = connect(app.url, 'user=alice').live(echo, { id: '1' });
		expect(await settled(alice)).toBe('joined');
		expect(await alice.send({ text: 'before' })).toMatchObject({ version: 'v1' });

		// A missed event, made certain: Vite's watcher no longer watches the file (#10).
		await app.server.watcher.unwatch(path.join(app.root, ECHO_FILE));
		app.write(ECHO_FILE, edit(app.read(ECHO_FILE), "version: 'v1'", "version: 'v2'"));
		expect(await alice.send({ text: 'after' })).toMatchObject({ version: 'v2', text: 'after', joins: 1 });
		app.write(ECHO_FILE, edit(app.read(ECHO_FILE), "version: 'v2'", "version: 'v3'"));
		expect(await alice.send({ text: 'again' })).toMatchObject({ version: 'v3', text: 'again', joins: 1 });
	});

	it('answers 500 with a logged id while a contract does not compile, and serves the fix without a restart', async () => {
		const app = await startApp();
		const room = connect(app.url, 'user=alice').live(echo, { id: '1' });
		expect(await settled(room)).toBe('joined');
		const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
		cleanups.push(() => logged.mockRestore());

		const good = app.read(ECHO_FILE);
		app.write(ECHO_FILE, edit(good, "version: 'v1'", "version: 'v1' +"));
		let failure: { status?: number; id?: string; message?: string } | undefined;
		await eventually(async () => {
			failure = await room.send({ text: 'a' }).then(
				() => undefined,
				(thrown: { status?: number; id?: string; message?: string }) => thrown
			);
			expect(failure).toBeDefined();
		}, 8000, 100);
		expect(failure).toMatchObject({ status: 500, message: 'Internal Error' });
		expect(failure!.id).toMatch(/\S/);
		// The details stay on the server, under the id the client got.
		expect(logged.mock.calls.some(([first]) => String(first).includes(`loading socket files failed, error id ${failure!.id} (connection `))).toBe(true);
		expect(room.status).toBe('joined');

		app.write(ECHO_FILE, edit(good, "version: 'v1'", "version: 'v2'"));
		await eventually(async () => expect((await room.send({ text: 'b' })).version).toBe('v2'), 8000, 100);
		expect(room.status).toBe('joined');
	});

	it('serves a .socket.ts file added while running, and answers 404 once it is deleted', async () => {
		const app = await startApp();
		const client = connect(app.url, 'user=alice');
		const added = { ping: marker('call', 'extra/[slot]/added', 'ping') } as unknown as {
			ping: import('liverpc/server').RoomCall<void, string>;
		};
		const params = { slot: 'a' };

		// The server is up and has loaded the app before the file exists.
		const before = client.live(added, params);
		expect(await settled(before)).toBe('rejected');
		expect(before.error).toMatchObject({ status: 404 });
		before.leave();

		mkdirSync(path.join(app.root, 'src/routes/extra/[slot]'), { recursive: true });
		app.write(
			'src/routes/extra/[slot]/added.socket.ts',
			`import { call } from 'liverpc/server';\nexport const ping = call(({ params, locals }) => 'pong ' + params.slot + ' ' + locals.user?.name);\n`
		);
		let room: ReturnType<typeof client.live<typeof added>> | undefined;
		await eventually(async () => {
			const attempt = client.live(added, params);
			if ((await settled(attempt)) !== 'joined') {
				attempt.leave();
				throw new Error(`join ${attempt.status}: ${attempt.error?.message}`);
			}
			room = attempt;
		}, 8000, 100);
		expect(await room!.ping()).toBe('pong a hook-v1:alice');
		room!.leave();

		app.remove('src/routes/extra/[slot]/added.socket.ts');
		await eventually(async () => {
			const attempt = client.live(added, params);
			const status = await settled(attempt);
			attempt.leave();
			expect(status).toBe('rejected');
			expect(attempt.error).toMatchObject({ status: 404, message: 'No such room' });
		}, 8000, 100);
		// The rest of the app is unaffected.
		const other = client.live(echo, { id: '2' });
		expect(await settled(other)).toBe('joined');
	});

	it("serves the socket under SvelteKit's paths.base, and the browser's stubs tell the page where (#11)", async () => {
		// SvelteKit's setup plugin as LiveRPC reads it: its validated config under api.options.
		const kitSetup: Plugin = { name: 'vite-plugin-sveltekit-setup', api: { options: { kit: { paths: { base: '/app' } } } } };
		const app = await startApp([kitSetup]);
		const polling = (path: string) => fetch(`${app.url}${path}/?EIO=4&transport=polling`, { headers: { origin: app.url } });
		expect((await (await polling('/app/_liverpc')).text()).startsWith('0{"sid":')).toBe(true);
		expect((await (await polling('/_liverpc')).text()).includes('"sid"')).toBe(false);

		const stub = await app.server.environments.client.transformRequest(ECHO_URL);
		expect(stub!.code).toContain('globalThis[Symbol.for("liverpc.path")] = "/app/_liverpc";');

		const client = createClient({ url: app.url, path: '/app/_liverpc', headers: { cookie: 'user=alice' } });
		cleanups.push(() => client.close());
		const room = client.live(echo, { id: '3' });
		expect(await settled(room)).toBe('joined');
		expect(await room.send({ text: 'under the base' })).toMatchObject({ text: 'under the base', by: 'hook-v1:alice' });
	});

	it('gives the browser markers only, refuses a non-contract export there, and keeps the real code for SSR', async () => {
		const app = await startApp();
		const client = app.server.environments.client;

		const result = await client.transformRequest(ECHO_URL);
		expect(result).toBeTruthy();
		const code = result!.code;
		for (const [name, kind] of [['echoed', 'event'], ['enter', 'join'], ['send', 'call']] as const) {
			expect(code).toContain(JSON.stringify(marker(kind, ECHO_ROUTE, name)));
		}
		for (const secret of SERVER_ONLY) expect(code).not.toContain(secret);
		expect(code).not.toMatch(/valibot|counter|liverpc\/server|import /);
		// Evaluated, the stub is exactly the markers `live()` reads.
		const stub = (await import(/* @vite-ignore */ `data:text/javascript,${encodeURIComponent(code)}`)) as Record<string, unknown>;
		expect({ ...stub }).toEqual({ ...echo });
		expect(Object.isFrozen(stub.send)).toBe(true);
		// Nothing the contract imports entered the browser's module graph.
		expect(client.moduleGraph.getModulesByFile(path.join(app.root, 'src/lib/server/counter.ts'))?.size ?? 0).toBe(0);
		const contractNode = await client.moduleGraph.getModuleByUrl(ECHO_URL);
		expect([...(contractNode?.importedModules ?? [])]).toEqual([]);

		// The server keeps the handlers, with the route stamp appended.
		const ssr = await app.server.environments.ssr.transformRequest(ECHO_URL);
		expect(ssr!.code).toContain('CALL_HANDLER_SECRET_7e3b');
		expect(ssr!.code).toContain('JOIN_HANDLER_SECRET_9a2c');
		expect(ssr!.code).toContain(JSON.stringify(ECHO_ROUTE));
		const real = (await app.server.ssrLoadModule(ECHO_URL)) as typeof EchoContract;
		expect(typeof real.send.handler).toBe('function');
		// Stamped on evaluation, before any socket server registered the module.
		expect(real.send['~liverpc']).toMatchObject({ kind: 'call', route: ECHO_ROUTE, name: 'send' });
		expect(real.echoed['~liverpc']).toMatchObject({ kind: 'event', route: ECHO_ROUTE, name: 'echoed' });

		app.write(
			'src/routes/echo/[id]/limits.socket.ts',
			`import { call } from 'liverpc/server';\nexport const limit = 5;\nexport const ping = call(() => 'pong');\n`
		);
		const refused = client.transformRequest('/src/routes/echo/[id]/limits.socket.ts');
		await expect(refused).rejects.toThrow(/limits\.socket\.ts: a room contract exports only join\(\), call\(\), event\(\) and presence\(\).*'limit'/s);
		await expect(refused).rejects.not.toThrow(/'ping'/);
	});

	it('delivers message.to(params).emit() from a non-socket server module loaded with ssrLoadModule', async () => {
		const app = await startApp();
		const alice = connect(app.url, 'user=alice').live(echo, { id: '7' });
		const bob = connect(app.url, 'user=bob').live(echo, { id: '8' });
		expect([await settled(alice), await settled(bob)]).toEqual(['joined', 'joined']);
		const seen = { alice: [] as Array<{ text: string; by: string }>, bob: [] as Array<{ text: string; by: string }> };
		alice.on('echoed', (payload) => seen.alice.push(payload));
		bob.on('echoed', (payload) => seen.bob.push(payload));
		const reply = await alice.send({ text: 'count me' });

		// As SvelteKit loads a form action: through the same SSR module graph as the socket files.
		const notifier = (await app.server.ssrLoadModule('/src/lib/server/notify.ts')) as typeof NotifyModule;
		expect(notifier.currentCounts()).toEqual({ joins: 2, calls: reply.total });

		notifier.notify('7', 'from a form action');
		await eventually(() => expect(seen.alice).toEqual([{ text: 'count me', by: 'hook-v1:alice' }, { text: 'from a form action', by: 'server' }]));
		// Emitted after the first one: once bob has it, the first one would have arrived before.
		notifier.notify('8', 'for room 8');
		await eventually(() => expect(seen.bob).toEqual([{ text: 'for room 8', by: 'server' }]));
		expect(seen.alice).toHaveLength(2);
	});

	it('delivers an emit from a just-edited contract before any socket operation reloaded it', async () => {
		const app = await startApp();
		const alice = connect(app.url, 'user=alice').live(echo, { id: '7' });
		expect(await settled(alice)).toBe('joined');
		const seen: Array<{ text: string; by: string }> = [];
		alice.on('echoed', (payload) => seen.push(payload));

		const first = (await app.server.ssrLoadModule(ECHO_URL)) as typeof EchoContract;
		app.write(ECHO_FILE, edit(app.read(ECHO_FILE), "version: 'v1'", "version: 'v3'"));
		// The watcher invalidates the module: the next ssrLoadModule evaluates a new instance,
		// which only the plugin's route stamp has told which room it belongs to.
		let fresh: typeof EchoContract | undefined;
		await eventually(async () => {
			fresh = (await app.server.ssrLoadModule(ECHO_URL)) as typeof EchoContract;
			expect(fresh.echoed).not.toBe(first.echoed);
		}, 8000);
		fresh!.echoed.to({ id: '7' }).emit({ text: 'fresh instance', by: 'server' });
		await eventually(() => expect(seen).toEqual([{ text: 'fresh instance', by: 'server' }]));
		expect(await alice.send({ text: 'x' })).toMatchObject({ version: 'v3' });
	});
	it('warns once, in the dev server log, when the hook returns locals that are not plain data (#11)', async () => {
		const app = await startApp();
		const warn = vi.spyOn(app.server.config.logger, 'warn');
		app.write(HOOKS_FILE, edit(app.read(HOOKS_FILE), "tenantId: 'vite' }", "tenantId: 'vite', seen: new Map() }"));
		await eventually(async () => {
			const room = connect(app.url, 'user=alice').live(echo, { id: '1' });
			expect(await settled(room)).toBe('joined');
			expect(warn.mock.calls.map(([message]) => message).join('\n')).toContain('locals.user.seen is a Map');
		}, 8000, 200);
		const advice = warn.mock.calls.filter(([message]) => message.includes('locals.user.seen'));
		expect(advice).toHaveLength(1);
		expect(advice[0]![0]).toContain('Return only plain data the handlers need');
	});

	it("applies the options hooks.socket.ts exports, as node build does, and their edits to new connections", async () => {
		const app = await startApp();
		const hooks = app.read(HOOKS_FILE);
		const withOptions = (options: string) => `${hooks}\nexport const options = ${options};\n`;
		app.write(HOOKS_FILE, withOptions("{ allowedOrigins: ['https://admin.example.com'], limits: { maxRooms: 1, maxMessageBytes: 2000 } }"));
		vi.spyOn(console, 'warn').mockImplementation(() => {});
		const raws: RawSocket[] = [];
		cleanups.push(() => raws.forEach((socket) => socket.close()));
		const outcome = async (origin: string) => {
			try {
				const socket = await openRaw(app.url, { origin, cookie: 'user=alice' });
				raws.push(socket);
				expect(await socket.connect()).toMatch(/^40/);
				return socket;
			} catch (refusal) {
				return (refusal as { body?: string }).body;
			}
		};

		// The dev server's own origin, and the allowlist, may connect; another site may not.
		await eventually(async () => expect(await outcome('https://evil.example')).toBe('Origin not allowed'), 8000);
		expect(typeof (await outcome(app.url))).toBe('object');
		const admin = (await outcome('https://admin.example.com')) as RawSocket;
		expect((await admin.ask('j', ECHO_ROUTE, { id: '1' }))[0]).toBeNull();
		expect(await admin.ask('j', ECHO_ROUTE, { id: '2' })).toEqual([{ status: 429, message: 'Too many rooms on this connection: leave one first' }]);
		admin.send(`42${JSON.stringify(['c', 1, 'send', { text: 'x'.repeat(2000) }])}`);
		expect(await admin.closed).toBe(1009);

		// An edit applies to the next connection, without a restart.
		app.write(HOOKS_FILE, withOptions('{ limits: { maxRooms: 2 } }'));
		await eventually(async () => expect(await outcome('https://admin.example.com')).toBe('Origin not allowed'), 8000);
		const own = (await outcome(app.url)) as RawSocket;
		expect((await own.ask('j', ECHO_ROUTE, { id: '1' }))[0]).toBeNull();
		expect((await own.ask('j', ECHO_ROUTE, { id: '2' }))[0]).toBeNull();

		// Options it cannot use stop handshakes with a 500 and a log line naming the option.
		const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
		// (The watcher drops a second change of one file within 50 ms: let the last one settle.)
		await new Promise((resolve) => setTimeout(resolve, 200));
		app.write(HOOKS_FILE, withOptions('{ limits: { maxRoom: 2 } }'));
		await eventually(async () => {
			// A fresh connection each time: the watcher picks the edit up in its own time.
			const client = connect(app.url, 'user=alice');
			await eventually(() => expect(client.status === 'connected' || client.error !== undefined).toBe(true));
			expect(client.error?.status).toBe(500);
		}, 8000);
		expect(logged.mock.calls.some((args) => String(args[1]).includes("export 'options': Unknown limit 'maxRoom'"))).toBe(true);
		vi.restoreAllMocks();
	}, 30_000);
});
