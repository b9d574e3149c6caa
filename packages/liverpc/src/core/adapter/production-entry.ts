import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { socketPathFor } from '../../runtime/shared/protocol.js';
import { SOCKETS_LOADER } from '../sockets-entry.js';

/** adapter-node's own entry, kept beside ours under this name. */
export const ADAPTER_ENTRY = 'adapter-node-server.js';

/**
 * What adapter-node wrote, by generation:
 * - adapter-node 5 (SvelteKit 2) re-bundles the server after Vite: `index.js` starts the
 *   server, `env.js` reads its environment, and the origin is the `ORIGIN` variable;
 * - adapter-node 6 (SvelteKit 3) builds inside Vite's own build: `index.js` re-exports
 *   `server/adapter-index.js`, `env()` lives in `server/adapter-env.js`, and the origin is
 *   `paths.origin`, fixed at build time and exported by `adapter-node.js`. It reads no `ORIGIN`.
 */
export interface AdapterNodeLayout {
	generation: 5 | 6;
	/** Where `env(name, fallback)` is exported, relative to the output directory. */
	envModule: string;
	/**
	 * What adapter-node's own entry imports before the app's server code when the app has a
	 * `src/instrumentation.server.ts`, in that order, relative to the output directory:
	 * adapter-node 6 fills `$env/dynamic/private` first, then runs the instrumentation.
	 */
	instrumentationModules: string[];
}

const LAYOUTS: AdapterNodeLayout[] = [
	{ generation: 6, envModule: './server/adapter-env.js', instrumentationModules: ['./server/__sveltekit_env_init.js', './server/instrumentation.server.js'] },
	{ generation: 5, envModule: './env.js', instrumentationModules: ['./instrumentation.server.js'] }
];

/**
 * The app's instrumentation modules adapter-node wrote to `out` (with what runs before them),
 * or none when the app has no `instrumentation.server` file.
 */
function instrumentationIn(out: string, layout: AdapterNodeLayout): string[] {
	const [instrumentation] = layout.instrumentationModules.slice(-1);
	if (!instrumentation || !existsSync(path.join(out, instrumentation))) return [];
	return layout.instrumentationModules.filter((module) => existsSync(path.join(out, module)));
}

/** The layout adapter-node wrote to `out`, or an error naming what is missing. */
export function readAdapterNodeLayout(out: string): AdapterNodeLayout {
	const missing = ['index.js', 'handler.js'].filter((file) => !existsSync(path.join(out, file)));
	const layout = LAYOUTS.find(({ envModule }) => existsSync(path.join(out, envModule)));
	if (missing.length > 0 || !layout) {
		const absent = missing.length > 0 ? missing.map((file) => path.join(out, file)).join(' and ') : `${path.join(out, 'env.js')} (adapter-node 5) or ${path.join(out, 'server/adapter-env.js')} (adapter-node 6)`;
		throw new Error(
			`liverpcAdapter(): adapter-node wrote no ${absent}. If you set adapterNode({ out }), pass the same out: liverpcAdapter(adapterNode({ out }), { out }). LiveRPC supports adapter-node 5 (SvelteKit 2) and 6 (SvelteKit 3).`
		);
	}
	return layout;
}

/**
 * `build/sockets.js`: loads the app's hooks and contracts from the server bundle. Importing
 * `./handler.js` evaluates SvelteKit's server, whose entry registered the loader; the
 * contracts then come from the chunks SvelteKit's own code uses. On adapter-node 6 the
 * options carry `paths.origin`, so a custom server checks the origin SvelteKit uses; under a
 * `paths.base`, the socket path is under it too, where the pages' client looks.
 */
function socketsModule(layout: AdapterNodeLayout, base: string): string {
	const withOrigin = layout.generation === 6;
	const originImport = withOrigin
		? "// SvelteKit 3's paths.origin as adapter-node 6 exports it (undefined when not configured).\nimport { origin } from './adapter-node.js';\n"
		: '';
	const added = [
		...(withOrigin ? ['...(origin ? { origin } : {})'] : []),
		...(base ? [`path: sockets.options.path ?? ${JSON.stringify(socketPathFor(base))}`] : [])
	];
	const load =
		added.length > 0
			? `const sockets = await load();\n\treturn { ...sockets, options: { ...sockets.options, ${added.join(', ')} } };`
			: 'return load();';
	return `// Written by liverpc/adapter: the app's socket hooks and room contracts, for attach().
import './handler.js';
${originImport}
/**
 * Resolves to { attach, optionsFromEnv, options }: attach(httpServer, optionsFromEnv(options)) serves them.
 * @returns {Promise<{ attach: typeof import('liverpc/node').attach, optionsFromEnv: typeof import('liverpc/node').optionsFromEnv, options: import('liverpc/node').AttachOptions }>}
 */
export async function loadSockets() {
	const load = globalThis[Symbol.for(${JSON.stringify(SOCKETS_LOADER)})];
	if (typeof load !== 'function') {
		throw new Error('This build has no LiveRPC socket files: is liverpc() from liverpc/vite in vite.config plugins?');
	}
	${load}
}
`;
}

/**
 * `build/index.js`: what `node build` runs. It runs the app's `instrumentation.server.js`
 * first when there is one (so an SDK it registers is in place before any app code loads),
 * then loads the socket files, then starts
 * adapter-node's server and attaches Socket.IO to that same `http.Server` before any
 * request can arrive (both happen in one turn of the event loop). On SIGTERM/SIGINT,
 * adapter-node drains HTTP; LiveRPC refuses new handshakes, lets calls in flight finish
 * within SHUTDOWN_TIMEOUT and disconnects clients, which reconnect to the next process.
 */
function entryModule(layout: AdapterNodeLayout, instrumentation: string[]): string {
	// adapter-node 6 reads no ORIGIN, so neither does LiveRPC there: both take paths.origin.
	const readEnv =
		layout.generation === 6
			? `(name) => (name === 'ORIGIN' ? undefined : env(name, undefined))`
			: `(name) => env(name, undefined)`;
	const originWarning =
		layout.generation === 6
			? `
if (process.env.ORIGIN) {
	console.warn('[liverpc] ORIGIN is set, but adapter-node 6 (SvelteKit 3) does not read it, so neither does LiveRPC: set the origin at build time with sveltekit({ paths: { origin } }) in vite.config, or PROTOCOL_HEADER and HOST_HEADER behind a proxy.');
}
`
			: '';
	// The app's instrumentation.server.js runs first, as adapter-node's own entry runs it: the
	// SDK it registers (and the module hooks of any auto-instrumentation) must be in place
	// before sockets.js imports SvelteKit's server and the app's code. Imported dynamically,
	// sockets.js waits for the instrumentation's top-level awaits too.
	const head =
		instrumentation.length > 0
			? [
					"// The app's instrumentation.server.js, before any of its server code.",
					...instrumentation.map((module) => `import '${module}';`),
					"import process from 'node:process';",
					`import { env } from '${layout.envModule}';`,
					"const { loadSockets } = await import('./sockets.js');"
				]
			: ["import process from 'node:process';", `import { env } from '${layout.envModule}';`, "import { loadSockets } from './sockets.js';"];
	return `// Written by liverpc/adapter: adapter-node's server with LiveRPC on the same http.Server.
${head.join('\n')}
${originWarning}
const sockets = await loadSockets();
const adapter = await import('./${ADAPTER_ENTRY}');
// adapter-node 5 exports polka, whose http.Server is .server; adapter-node 6 exports the http.Server.
const httpServer = adapter.server.server ?? adapter.server;
// The origin and the proxy headers are adapter-node's, read through its env() and envPrefix.
const live = sockets.attach(httpServer, sockets.optionsFromEnv(sockets.options, ${readEnv}));

const shutdownTimeout = parseInt(env('SHUTDOWN_TIMEOUT', '30')) * 1000;
let stopping = false;
const stop = () => {
	if (stopping) return;
	stopping = true;
	void live.shutdown({ timeout: shutdownTimeout });
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

export const { host, path, port, server } = adapter;
export { live };
`;
}

/**
 * Turns adapter-node's output into LiveRPC's: moves its `index.js` aside and writes
 * `index.js` and `sockets.js` in its place.
 *
 * @param out adapter-node's output directory (its `out` option)
 * @param base SvelteKit's `paths.base`, under which the socket path goes
 * @returns the adapter-node generation that wrote it
 */
export function writeProductionEntry(out: string, base = ''): AdapterNodeLayout {
	const layout = readAdapterNodeLayout(out);
	const entry = path.join(out, 'index.js');
	const moved = path.join(out, ADAPTER_ENTRY);
	const source = readFileSync(entry, 'utf8').replace(/\/\/# sourceMappingURL=index\.js\.map\s*$/, `//# sourceMappingURL=${ADAPTER_ENTRY}.map\n`);
	writeFileSync(moved, source);
	if (existsSync(`${entry}.map`)) renameSync(`${entry}.map`, `${moved}.map`);
	writeFileSync(entry, entryModule(layout, instrumentationIn(out, layout)));
	writeFileSync(path.join(out, 'sockets.js'), socketsModule(layout, base));
	return layout;
}
