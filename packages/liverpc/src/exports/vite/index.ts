// Public entry `liverpc/vite`: the Vite plugin, added after `sveltekit()`.
import path from 'node:path';
import type { Plugin, ResolvedConfig } from 'vite';
import { readContractExports } from '../../core/contract-exports.js';
import { clientStub } from '../../core/client-stub.js';
import { serverStamp } from '../../core/server-stamp.js';
import { findSocketFiles, isContractFile, routeIdOf } from '../../core/socket-files.js';
import { registerSocketsLoader, socketsEntrySource, SOCKETS_ENTRY_ID } from '../../core/sockets-entry.js';
import { attachDevServer } from './dev-server.js';

/**
 * Options of the {@link liverpc} Vite plugin; every path is relative to Vite's root.
 *
 * @example
 * ```ts
 * liverpc({ routes: 'src/routes', hooks: 'src/hooks.socket' });
 * ```
 */
export interface LiveRpcPluginOptions {
	/** Where `*.socket.ts` room contracts live. Default `src/routes`, as SvelteKit's routes. */
	routes?: string;
	/** The socket hooks file without its extension. Default `src/hooks.socket`. */
	hooks?: string;
}

const RESOLVED_SOCKETS_ENTRY = '\0' + SOCKETS_ENTRY_ID;

/**
 * LiveRPC's Vite plugin. Add it after `sveltekit()`:
 * - `vite dev`: serves `src/hooks.socket.ts` and every `*.socket.ts` on Vite's own server
 *   and port, loaded through the same module graph as SvelteKit's server code;
 * - in browser code, turns `import * as chat from './chat.socket'` into a stub of ids;
 * - `vite build`: adds the socket files to the server build, for `liverpc/adapter`.
 *
 * @example
 * ```ts
 * // vite.config.ts
 * import { sveltekit } from '@sveltejs/kit/vite';
 * import { liverpc } from 'liverpc/vite';
 * import { defineConfig } from 'vite';
 *
 * export default defineConfig({ plugins: [sveltekit(), liverpc()] });
 * ```
 */
export function liverpc(options: LiveRpcPluginOptions = {}): Plugin {
	let config: ResolvedConfig;
	let routesDir = '';
	let hooksBase = '';
	// SvelteKit's server entry, found in the server build's inputs; it registers the sockets loader.
	let serverEntry: string | undefined;
	let ssrBuild = false;
	let loaderRegistered = false;

	return {
		name: 'liverpc',

		config() {
			// One `liverpc` at run time: contracts import `liverpc/server` through Node, the same
			// copy the dev server and the production entry run (and adapter-node keeps it external).
			return { ssr: { external: ['liverpc'] } };
		},

		configResolved(resolved) {
			config = resolved;
			routesDir = path.resolve(resolved.root, options.routes ?? 'src/routes');
			hooksBase = path.resolve(resolved.root, options.hooks ?? 'src/hooks.socket');
			// Read from the resolved config, so the plugin's place relative to sveltekit() does not matter.
			ssrBuild = resolved.command === 'build' && Boolean(resolved.build.ssr);
			const input = resolved.build.rollupOptions?.input;
			if (ssrBuild && input && typeof input === 'object' && !Array.isArray(input) && input.index) {
				serverEntry = path.resolve(resolved.root, input.index);
			}
		},

		options(inputOptions) {
			// The server build gets one more entry: the hooks and every contract (#3).
			const input = inputOptions.input;
			if (!ssrBuild || !input || typeof input !== 'object' || Array.isArray(input)) return null;
			return { ...inputOptions, input: { ...input, 'liverpc-sockets': SOCKETS_ENTRY_ID } };
		},

		configureServer(server) {
			attachDevServer(server, { routesDir, hooksBase });
		},

		buildEnd(error) {
			if (ssrBuild && !error && !loaderRegistered) {
				this.warn(
					"SvelteKit's server entry (the build input 'index') was not found or not transformed: build/sockets.js and node build will not find the socket files. Does vite.config also list sveltekit()?"
				);
			}
		},

		resolveId(id) {
			if (id === SOCKETS_ENTRY_ID) return RESOLVED_SOCKETS_ENTRY;
		},

		load(id) {
			if (id === RESOLVED_SOCKETS_ENTRY) return socketsEntrySource(findSocketFiles(routesDir, hooksBase));
		},

		transform(code, id, transformOptions) {
			const file = id.split('?', 1)[0]!;
			if (serverEntry && file === serverEntry) {
				loaderRegistered = true;
				return { code: code + registerSocketsLoader(), map: null };
			}
			if (!isContractFile(routesDir, file)) return;

			const routeId = routeIdOf(routesDir, file);
			const { exports, others } = readContractExports(this.parse(code) as never);
			const ssr = this.environment ? this.environment.config.consumer === 'server' : Boolean(transformOptions?.ssr);
			if (ssr) return { code: code + serverStamp(routeId, exports), map: null };

			const source = path.relative(config.root, file);
			if (others.length > 0) {
				const problems = others.map((other) => `'${other.name}' ${other.reason}`).join('; ');
				this.error(
					`${source}: a room contract exports only join(), call() and event() from liverpc/server, each as \`export const name = call(…)\`: ${problems}`
				);
			}
			return { code: clientStub(routeId, exports, source), map: { mappings: '' } };
		}
	};
}
