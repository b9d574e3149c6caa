import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SOCKETS_LOADER } from '../sockets-entry.js';

/** adapter-node's own entry, kept beside ours under this name. */
export const ADAPTER_ENTRY = 'adapter-node-server.js';

/**
 * `build/sockets.js`: loads the app's hooks and contracts from the server bundle. Importing
 * `./handler.js` evaluates SvelteKit's server, whose entry registered the loader; the
 * contracts then come from the chunks SvelteKit's own code uses.
 */
function socketsModule(): string {
	return `// Written by liverpc/adapter: the app's socket hooks and room contracts, for attach().
import './handler.js';

/**
 * Resolves to { attach, optionsFromEnv, options }: attach(httpServer, optionsFromEnv(options)) serves them.
 * @returns {Promise<{ attach: typeof import('liverpc/node').attach, optionsFromEnv: typeof import('liverpc/node').optionsFromEnv, options: import('liverpc/node').AttachOptions }>}
 */
export async function loadSockets() {
	const load = globalThis[Symbol.for(${JSON.stringify(SOCKETS_LOADER)})];
	if (typeof load !== 'function') {
		throw new Error('This build has no LiveRPC socket files: is liverpc() from liverpc/vite in vite.config plugins?');
	}
	return load();
}
`;
}

/**
 * `build/index.js`: what `node build` runs. It loads the socket files first, then starts
 * adapter-node's server and attaches Socket.IO to that same `http.Server` before any
 * request can arrive (both happen in one turn of the event loop). On SIGTERM/SIGINT,
 * adapter-node drains HTTP; LiveRPC refuses new handshakes, lets calls in flight finish
 * within SHUTDOWN_TIMEOUT and disconnects clients, which reconnect to the next process.
 */
function entryModule(): string {
	return `// Written by liverpc/adapter: adapter-node's server with LiveRPC on the same http.Server.
import process from 'node:process';
import { env } from './env.js';
import { loadSockets } from './sockets.js';

const sockets = await loadSockets();
const adapter = await import('./${ADAPTER_ENTRY}');
// adapter-node 5 exports polka, whose http.Server is .server; later versions may export it directly.
const httpServer = adapter.server.server ?? adapter.server;
// ORIGIN and the proxy headers are adapter-node's, read through its env() and envPrefix.
const live = sockets.attach(httpServer, sockets.optionsFromEnv(sockets.options, (name) => env(name, undefined)));

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
 */
export function writeProductionEntry(out: string): void {
	const entry = path.join(out, 'index.js');
	for (const required of ['index.js', 'handler.js', 'env.js']) {
		if (!existsSync(path.join(out, required))) {
			throw new Error(
				`liverpc(): adapter-node wrote no ${path.join(out, required)}. If you set adapterNode({ out }), pass the same out: liverpc(adapterNode({ out }), { out }).`
			);
		}
	}
	const moved = path.join(out, ADAPTER_ENTRY);
	const source = readFileSync(entry, 'utf8').replace(/\/\/# sourceMappingURL=index\.js\.map\s*$/, `//# sourceMappingURL=${ADAPTER_ENTRY}.map\n`);
	writeFileSync(moved, source);
	if (existsSync(`${entry}.map`)) renameSync(`${entry}.map`, `${moved}.map`);
	writeFileSync(entry, entryModule());
	writeFileSync(path.join(out, 'sockets.js'), socketsModule());
}
