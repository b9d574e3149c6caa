import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import adapterNode from '@sveltejs/adapter-node';
import adapterStatic from '@sveltejs/adapter-static';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { liverpc, liverpcAdapter } from 'liverpc/adapter';
import { optionsFromEnv, type AttachOptions } from 'liverpc/node';
import { writeProductionEntry } from '../src/core/adapter/production-entry.js';
import { SOCKETS_LOADER } from '../src/core/sockets-entry.js';

describe('liverpcAdapter() wrapper', () => {
	it('fails the build for an adapter whose output cannot hold connections open', async () => {
		const wrapped = liverpcAdapter(adapterStatic());
		expect(wrapped.name).toBe('liverpc(@sveltejs/adapter-static)');
		// Refused before the builder is touched: an empty one is enough.
		await expect(wrapped.adapt({} as never)).rejects.toThrow(/cannot wrap @sveltejs\/adapter-static/);
		await expect(wrapped.adapt({} as never)).rejects.toThrow(/one long-running Node process/);
		await expect(wrapped.adapt({} as never)).rejects.toThrow(/Use @sveltejs\/adapter-node/);
	});

	it("wraps adapter-node under its own name and keeps the inner adapter's supports", () => {
		const inner = adapterNode({ out: 'dist' });
		const wrapped = liverpcAdapter(inner, { out: 'dist' });
		expect(wrapped.name).toBe('liverpc(@sveltejs/adapter-node)');
		expect(inner.supports).toBeDefined();
		expect(wrapped.supports).toBe(inner.supports);
		expect(wrapped.supports?.read?.({ config: {}, route: { id: '/' } })).toBe(true);
		expect(wrapped.adapt).not.toBe(inner.adapt);
		expect(typeof wrapped.adapt).toBe('function');
	});

	it('refuses something that is not an adapter', () => {
		expect(() => liverpcAdapter(undefined as never)).toThrow(/liverpcAdapter\(\) wraps an adapter/);
		expect(() => liverpcAdapter({ name: 'x' } as never)).toThrow(TypeError);
	});

	it('fails the build when the app has socket files but the server build has none (#11)', async () => {
		const root = mkdtempSync(path.join(os.tmpdir(), 'liverpc-adapt-'));
		try {
			mkdirSync(path.join(root, 'server'));
			mkdirSync(path.join(root, 'routes/chat'), { recursive: true });
			writeFileSync(path.join(root, 'routes/chat/chat.socket.ts'), '');
			writeFileSync(path.join(root, 'server/index.js'), 'export const server = {};\n');
			const files = { routes: path.join(root, 'routes') };
			// SvelteKit 2's builder holds its config under `kit`, SvelteKit 3's at the top.
			const builder = { getServerDirectory: () => path.join(root, 'server'), config: { kit: { files } }, log: { minor() {} } };
			const kit3Builder = { ...builder, config: { files } };
			const wrapped = liverpcAdapter(adapterNode({ out: path.join(root, 'build') }), { out: path.join(root, 'build') });
			for (const each of [builder, kit3Builder]) {
				await expect(wrapped.adapt(each as never)).rejects.toThrow(
					/the app has 1 socket file \(.*chat\.socket\.ts\) but the server build has none: add liverpc\(\) from 'liverpc\/vite' to the Vite config's plugins, after sveltekit\(\)/
				);
			}
			// Once SvelteKit's server entry registers the socket files, adapter-node runs (and fails
			// on this stand-in builder for a reason of its own).
			writeFileSync(path.join(root, 'server/index.js'), 'globalThis[Symbol.for("liverpc.sockets")] = () => {};\n');
			const failure = await Promise.resolve(wrapped.adapt(builder as never)).catch((error: Error) => error);
			expect(failure).toBeInstanceOf(Error);
			expect((failure as Error).message).not.toMatch(/socket file/);
		} finally {
			rmSync(root, { recursive: true, force: true });
		}
	});

	it('keeps the old name liverpc() working, with one deprecation warning', () => {
		const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
		try {
			expect(liverpc(adapterNode()).name).toBe('liverpc(@sveltejs/adapter-node)');
			expect(liverpc(adapterNode()).name).toBe('liverpc(@sveltejs/adapter-node)');
			expect(warn).toHaveBeenCalledTimes(1);
			expect(String(warn.mock.calls[0]![0])).toContain('is now liverpcAdapter()');
		} finally {
			warn.mockRestore();
		}
	});
});

// The production entry against the two layouts adapter-node writes (#10), with stand-ins for
// adapter-node's own modules: the generated index.js and sockets.js run for real.
describe('the production entry written over adapter-node output', () => {
	const dirs: string[] = [];
	const savedEnv = { ...process.env };
	afterEach(() => {
		for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
		process.env = { ...savedEnv };
		delete (globalThis as Record<symbol, unknown>)[Symbol.for(SOCKETS_LOADER)];
	});

	function writeOutput(files: Record<string, string>): string {
		const out = mkdtempSync(path.join(os.tmpdir(), 'liverpc-adapter-'));
		dirs.push(out);
		for (const [file, code] of Object.entries(files)) {
			mkdirSync(path.dirname(path.join(out, file)), { recursive: true });
			writeFileSync(path.join(out, file), code);
		}
		return out;
	}

	const envModule = 'export const env = (name, fallback) => (name in process.env ? process.env[name] : fallback);\n';
	const serverModule = 'export const server = { stand_in: true }; export const host = "0.0.0.0"; export const port = "3000"; export const path = false;\n';

	/** What adapter-node 6 writes, with `paths.origin` as the given JavaScript expression. */
	const adapterNode6Output = (origin: string) => ({
		'index.js': "export * from './server/adapter-index.js';\n",
		'handler.js': "export * from './server/handler.js';\n",
		'adapter-node.js': `export const origin = ${origin};\n`,
		'server/adapter-index.js': serverModule,
		'server/handler.js': '',
		'server/adapter-env.js': envModule
	});

	/** Runs build/index.js and returns the options it attached with. */
	async function runEntry(out: string): Promise<AttachOptions> {
		let attached: AttachOptions | undefined;
		(globalThis as Record<symbol, unknown>)[Symbol.for(SOCKETS_LOADER)] = async () => ({
			attach: (_server: unknown, options: AttachOptions) => {
				attached = options;
				return { shutdown: async () => {} };
			},
			optionsFromEnv,
			options: { contracts: {} }
		});
		const signals = { SIGTERM: process.listeners('SIGTERM'), SIGINT: process.listeners('SIGINT') };
		try {
			const entry = (await import(pathToFileURL(path.join(out, 'index.js')).href)) as { server: unknown };
			expect(entry.server).toEqual({ stand_in: true });
		} finally {
			// The entry listens for SIGTERM and SIGINT; this process is the test runner.
			for (const signal of ['SIGTERM', 'SIGINT'] as const) {
				for (const listener of process.listeners(signal)) if (!signals[signal].includes(listener)) process.off(signal, listener);
			}
		}
		expect(attached).toBeDefined();
		return attached!;
	}

	it('adapter-node 5: takes the origin and the proxy headers from the environment', async () => {
		const out = writeOutput({
			'index.js': serverModule + '//# sourceMappingURL=index.js.map\n',
			'index.js.map': '{"version":3,"sources":[],"names":[],"mappings":""}',
			'handler.js': '',
			'env.js': envModule
		});
		expect(writeProductionEntry(out).generation).toBe(5);
		expect(readFileSync(path.join(out, 'adapter-node-server.js'), 'utf8')).toContain('sourceMappingURL=adapter-node-server.js.map');

		process.env.ORIGIN = 'https://chat.example.com';
		process.env.PROTOCOL_HEADER = 'x-forwarded-proto';
		const options = await runEntry(out);
		expect(options.origin).toBe('https://chat.example.com');
		expect(options.proxy?.protocolHeader).toBe('x-forwarded-proto');
	});

	it("adapter-node 6: takes SvelteKit 3's paths.origin, and says that ORIGIN is not read", async () => {
		const out = writeOutput(adapterNode6Output('"https://chat.example.com"'));
		expect(writeProductionEntry(out).generation).toBe(6);

		process.env.ORIGIN = 'https://stale.example.com';
		process.env.PROTOCOL_HEADER = 'x-forwarded-proto';
		const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
		try {
			const options = await runEntry(out);
			expect(options.origin).toBe('https://chat.example.com');
			expect(options.proxy?.protocolHeader).toBe('x-forwarded-proto');
			expect(String(warn.mock.calls[0]?.[0])).toContain('adapter-node 6 (SvelteKit 3) does not read it');
		} finally {
			warn.mockRestore();
		}
	});

	it('adapter-node 6 without paths.origin: the origin comes from each request', async () => {
		const out = writeOutput(adapterNode6Output('undefined'));
		writeProductionEntry(out);
		process.env.ORIGIN = 'https://stale.example.com';
		const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
		try {
			expect((await runEntry(out)).origin).toBeUndefined();
		} finally {
			warn.mockRestore();
		}
	});

	it('puts the socket path under paths.base, where the pages look for it (#11)', async () => {
		const out = writeOutput(adapterNode6Output('undefined'));
		writeProductionEntry(out, '/app');
		expect((await runEntry(out)).path).toBe('/app/_liverpc');
		const plain = writeOutput(adapterNode6Output('undefined'));
		writeProductionEntry(plain);
		expect((await runEntry(plain)).path).toBeUndefined();
	});

	// #22: an SDK the app's instrumentation.server.js registers must be in place before
	// SvelteKit's server and the app's code load (sockets.js imports them through handler.js).
	// The stand-ins note the order in which they are evaluated.
	const noting = (name: string) => `(globalThis.__loadOrder ??= []).push(${JSON.stringify(name)});\n`;
	const loadOrder = () => (globalThis as { __loadOrder?: string[] }).__loadOrder ?? [];
	afterEach(() => {
		delete (globalThis as { __loadOrder?: string[] }).__loadOrder;
	});

	it("adapter-node 5: runs the app's instrumentation.server.js before the server code, awaits included", async () => {
		const out = writeOutput({
			// adapter-node 5's own entry, as SvelteKit's builder.instrument() writes it
			'index.js': "import './instrumentation.server.js';\nconst { path, host, port, server } = await import('./start.js');\nexport { path, host, port, server };\n",
			'start.js': serverModule,
			'instrumentation.server.js': `await new Promise((resolve) => setTimeout(resolve, 20));\n${noting('instrumentation')}`,
			'handler.js': noting('handler'),
			'env.js': envModule
		});
		writeProductionEntry(out);
		const entry = readFileSync(path.join(out, 'index.js'), 'utf8');
		expect(entry.indexOf("import './instrumentation.server.js';")).toBeLessThan(entry.indexOf('./sockets.js'));
		await runEntry(out);
		expect(loadOrder()).toEqual(['instrumentation', 'handler']);
	});

	it("adapter-node 6: fills $env/dynamic/private, then runs the instrumentation, then the server code", async () => {
		const out = writeOutput({
			...adapterNode6Output('undefined'),
			'server/adapter-index.js':
				"import './__sveltekit_env_init.js';\nimport './instrumentation.server.js';\nconst __mod = await import('./start.js');\nexport const server = __mod.server;\n",
			'server/start.js': serverModule,
			'server/__sveltekit_env_init.js': noting('env init'),
			'server/instrumentation.server.js': `await new Promise((resolve) => setTimeout(resolve, 20));\n${noting('instrumentation')}`,
			'server/handler.js': noting('handler')
		});
		writeProductionEntry(out);
		await runEntry(out);
		expect(loadOrder()).toEqual(['env init', 'instrumentation', 'handler']);
	});

	it('without an instrumentation file, the entry imports the socket files as before', async () => {
		const out = writeOutput({ ...adapterNode6Output('undefined'), 'server/handler.js': noting('handler') });
		writeProductionEntry(out);
		expect(readFileSync(path.join(out, 'index.js'), 'utf8')).not.toContain('instrumentation');
		await runEntry(out);
		expect(loadOrder()).toEqual(['handler']);
	});

	it('names what is missing when the output is neither layout', () => {
		const out = writeOutput({ 'index.js': serverModule, 'handler.js': '' });
		expect(() => writeProductionEntry(out)).toThrow(/env\.js \(adapter-node 5\) or .*server\/adapter-env\.js \(adapter-node 6\)/);
		const elsewhere = writeOutput({ 'env.js': envModule });
		expect(() => writeProductionEntry(elsewhere)).toThrow(/pass the same out: liverpcAdapter\(adapterNode\(\{ out \}\), \{ out \}\)/);
	});
});
