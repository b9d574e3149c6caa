// `vite dev` never serves the source of socket files to a browser (#19): hooks.socket.ts and
// every *.socket.ts run on the server only. Before, `GET /src/hooks.socket.ts` and
// `GET …/echo.socket.ts?raw` answered 200 with the source, and Vite's error page showed a
// broken contract's code. A real Vite dev server with liverpc() (the fixture app, copied to
// a temp dir) is asked for them in every spelling; a marker string that exists only in the
// source must never come back, while the server side still loads and runs them.
import { appendFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer, type ViteDevServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { liverpc } from 'liverpc/vite';
import { createTestClient, eventually } from './harness.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/vite-app', import.meta.url));
const PACKAGE = fileURLToPath(new URL('..', import.meta.url));
const NODE_MODULES = path.resolve(PACKAGE, '../../node_modules');
const MARKER = 'LIVERPC-SERVER-ONLY-SOCKET-MARKER';
const HOOKS = 'src/hooks.socket.ts';
const ECHO = 'src/routes/echo/[id]/echo.socket.ts';
const BROKEN = 'src/routes/broken/broken.socket.ts';

let root = '';
let server: ViteDevServer;
let url = '';

beforeAll(async () => {
	if (!existsSync(path.join(PACKAGE, 'dist/exports/server/index.js'))) throw new Error('run `npm run build` in packages/liverpc first');
	root = mkdtempSync(path.join(os.tmpdir(), 'liverpc-server-only-'));
	cpSync(FIXTURE, root, { recursive: true });
	symlinkSync(NODE_MODULES, path.join(root, 'node_modules'), 'dir');
	// The marker in code (kept by the transpiler) and in a comment (kept by ?raw).
	appendFileSync(path.join(root, HOOKS), `\n// ${MARKER}\nexport const marker = '${MARKER}-hooks';\n`);
	appendFileSync(path.join(root, ECHO), `\n// ${MARKER}\nexport const probe = event<{ marker: '${MARKER}-echo' }>();\n`);
	server = await createServer({
		root,
		configFile: false,
		envFile: false,
		logLevel: 'silent',
		clearScreen: false,
		appType: 'custom',
		plugins: [liverpc()],
		server: { host: '127.0.0.1', port: 0, strictPort: true },
		optimizeDeps: { noDiscovery: true, include: [] }
	});
	await server.listen();
	url = `http://127.0.0.1:${(server.httpServer!.address() as AddressInfo).port}`;
});

afterAll(async () => {
	await server?.close();
	if (root) rmSync(root, { recursive: true, force: true });
});

/** What the browser gets for `pathname`, sent as written (no client-side normalisation). */
async function get(pathname: string): Promise<{ status: number; body: string }> {
	const { request } = await import('node:http');
	const { port } = new URL(url);
	return new Promise((resolve, reject) => {
		const outgoing = request({ host: '127.0.0.1', port, path: pathname, method: 'GET', headers: { accept: '*/*' } }, (response) => {
			let body = '';
			response.setEncoding('utf8');
			response.on('data', (chunk: string) => (body += chunk));
			response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
		});
		outgoing.on('error', reject);
		outgoing.end();
	});
}

const encodeAll = (text: string) => [...text].map((char) => `%${char.charCodeAt(0).toString(16).padStart(2, '0')}`).join('');

function spellings(file: string): string[] {
	const plain = `/${file}`;
	const dir = path.posix.dirname(plain);
	const base = path.posix.basename(plain);
	const queries = ['?raw', '?url', '?import', '?inline', '?worker', '?sharedworker', '?worker_file&type=module', '?raw&import', '?import&raw', '?direct', '?t=1&raw', '?html-proxy&index=0.js'];
	return [
		...queries.map((query) => plain + query),
		plain.replace('.socket', '%2esocket'),
		plain.replace('.socket.ts', '%252esocket%252ets'),
		`${dir}/${encodeAll(base)}?raw`,
		plain.replace(/\//g, '//') + '?raw',
		`/src/./${file.slice(4)}?raw`,
		`/src/lib/../${file.slice(4)}?raw`,
		`/src%2F${file.slice(4)}?raw`,
		`/@fs${root}/${file}?raw`,
		`/@fs${root}/${file}?url`,
		`/@id/${file}?raw`,
		`/@id/${root}/${file}?raw`,
		`/@id/__x00__${root}/${file}?raw`,
		plain.replace(/\.ts$/, '') + '?raw',
		plain.toUpperCase(),
		plain + '/',
		plain + '?raw#x',
		plain.replace(/\//g, '\\') + '?raw'
	];
}

describe('vite dev and server-only socket files', () => {
	it('never serves the source of hooks.socket.ts, in any spelling', async () => {
		for (const spelling of [`/${HOOKS}`, '/src/hooks.socket', ...spellings(HOOKS)]) {
			const { status, body } = await get(spelling);
			expect(body, `${spelling} → ${status}`).not.toContain(MARKER);
			expect(body, spelling).not.toContain('handleSocket');
		}
		expect(await get(`/${HOOKS}`)).toEqual({ status: 404, body: 'Not found' });
		expect(await get(`/${HOOKS}?raw`)).toEqual({ status: 404, body: 'Not found' });
	});

	it("never serves a contract's source, in any spelling; the plain module is the stub of ids", async () => {
		for (const spelling of spellings(ECHO)) {
			const { status, body } = await get(spelling.replace(/\[/g, '%5B').replace(/\]/g, '%5D'));
			expect(body, `${spelling} → ${status}`).not.toContain(MARKER);
			expect(body, spelling).not.toContain('JOIN_HANDLER_SECRET');
			// Only the module request Vite itself marks (`?import`) is the stub; the rest are refused.
			if (status === 200) expect(body, spelling).toContain('~liverpc');
		}
		const stub = await get(`/${ECHO}`.replace(/\[/g, '%5B').replace(/\]/g, '%5D'));
		expect(stub.status).toBe(200);
		expect(stub.body).toContain('~liverpc');
		expect(stub.body).not.toContain(MARKER);
		expect(stub.body).not.toContain('JOIN_HANDLER_SECRET');
	});

	it('refuses a page module that imports a contract ?raw, without its source', async () => {
		writeFileSync(path.join(root, 'src/leak.ts'), `import source from './routes/echo/[id]/echo.socket.ts?raw';\nexport default source;\n`);
		const page = await get('/src/leak.ts');
		const imported = /from\s+"([^"]+echo\.socket\.ts\?[^"]*)"/.exec(page.body)?.[1] ?? '/src/routes/echo/[id]/echo.socket.ts?raw&import';
		const { status, body } = await get(imported.replace(/\[/g, '%5B').replace(/\]/g, '%5D'));
		expect(body).not.toContain(MARKER);
		expect(status).not.toBe(200);
		await expect(server.environments.client.transformRequest('/src/routes/echo/[id]/echo.socket.ts?raw')).rejects.toThrow(/server code/);
	});

	it('keeps a broken contract out of the error page and the HMR error overlay, and the server side still works', async () => {
		const overlay: string[] = [];
		const ws = new WebSocket(`${url.replace('http', 'ws')}/`, 'vite-hmr');
		ws.on('message', (data) => overlay.push(data.toString()));
		await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
		try {
			mkdirSync(path.dirname(path.join(root, BROKEN)), { recursive: true });
			writeFileSync(path.join(root, BROKEN), `import { call } from 'liverpc/server';\n// ${MARKER}\nexport const send = call(() => { const secret = '${MARKER}-broken'; return secret +; });\n`);
			const page = await get(`/${BROKEN}`);
			expect(page.status).toBe(500);
			expect(page.body).not.toContain(MARKER);
			expect(page.body).toContain('could not be loaded');
			await eventually(() => expect(overlay.some((message) => message.includes('"type":"error"'))).toBe(true));
			for (const message of overlay) expect(message).not.toContain(MARKER);
		} finally {
			ws.close();
			rmSync(path.dirname(path.join(root, BROKEN)), { recursive: true, force: true });
		}
		// The server side loads the socket files as before: a join and a call through the hook.
		const client = createTestClient(url, 'user=alice');
		try {
			const room = client.live({ send: { '~liverpc': { kind: 'call', route: 'echo/[id]/echo', name: 'send' } } }, { id: '1' }) as unknown as {
				status: string;
				send(input: { text: string }): Promise<{ text: string }>;
			};
			await eventually(() => expect(room.status).toBe('joined'), 10_000);
			expect((await room.send({ text: 'still served' })).text).toBe('still served');
		} finally {
			client.close();
		}
	});
});
