// Public entry `liverpc/vite`: the Vite plugin, added after `sveltekit()`.
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Plugin, ResolvedConfig } from 'vite';
import { readContractExports } from '../../core/contract-exports.js';
import { clientStub } from '../../core/client-stub.js';
import { pointFolderBuildersAtServer } from '../../core/folder-builders.js';
import { kitTsconfigFiles, linkSocketTypes, writeSocketTypes } from '../../core/route-types.js';
import { serverStamp } from '../../core/server-stamp.js';
import { findSocketFiles, isContractFile, routeIdOf } from '../../core/socket-files.js';
import { registerSocketsLoader, socketsEntrySource, SOCKETS_ENTRY_ID } from '../../core/sockets-entry.js';
import { readInstalledPackage, readKitVersion, type KitVersion } from '../../core/kit-version.js';
import { DEFAULT_PATH, socketPathFor } from '../../runtime/shared/protocol.js';
import { attachDevServer } from './dev-server.js';
import { reloadEditedFiles } from './edited-files.js';
import { kitServerModuleLoader } from './kit-module-loader.js';
import { linkSocketTypesOnSync, readKitPluginOptions } from './kit-options.js';
import { attachPreviewServer } from './preview-server.js';
import { browserMayLoad, guardServerOnly } from './server-only.js';

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
 * - `vite build`: adds the socket files to the server build, for `liverpc/adapter`;
 * - `vite preview`: serves the built socket files beside SvelteKit's preview, as `node build` does.
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
	let kit: KitVersion | undefined;
	// SvelteKit's output folder and the socket path under its `paths.base`, read once.
	let kitOutDir = '';
	let kitAdapterName: string | undefined;
	let socketPath = DEFAULT_PATH;
	// Per server environment being built: SvelteKit's server entry, which registers the sockets
	// loader, and whether that registration was added. SvelteKit 2 builds the server in its own
	// `vite build` with `build.ssr`; SvelteKit 3 builds client and server in one, as Vite
	// environments sharing this plugin instance (#10).
	const serverBuilds = new Map<string, { entry: string | undefined; registered: boolean }>();

	const hasContracts = () => existsSync(routesDir) && findSocketFiles(routesDir, hooksBase).contracts.length > 0;
	const writeFolderTypes = () => {
		if (!existsSync(routesDir)) return;
		try {
			writeSocketTypes(config.root, routesDir, kitOutDir, findSocketFiles(routesDir, hooksBase).contracts);
		} catch (problem) {
			// Two files for one room: the dev server and the build say so where it matters.
			config.logger.warn(`[liverpc] ./$socket types not written: ${(problem as Error).message}`);
		}
	};

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
			// Without SvelteKit (a plain Vite app with a custom server) there is nothing to match;
			// with it, an unsupported version or Node fails here, before anything is built.
			kit = readInstalledPackage(resolved.root, '@sveltejs/kit') ? readKitVersion(resolved.root) : undefined;
			const kitOptions = readKitPluginOptions(resolved);
			kitOutDir = kitOptions.outDir;
			kitAdapterName = kitOptions.adapterName;
			socketPath = socketPathFor(kitOptions.base);
			if (kit) {
				// Typed params for contracts importing `./$socket` (#11): in every command that
				// resolves this config, `svelte-kit sync` included.
				writeFolderTypes();
				for (const file of kitTsconfigFiles(resolved.root, kitOutDir)) linkSocketTypes(file, kitOutDir);
				linkSocketTypesOnSync(resolved);
			}
		},

		buildStart() {
			// Read from this environment's resolved config, so the plugin's place relative to
			// sveltekit() does not matter. Only server builds get the socket files.
			if (config.command !== 'build' || !isServerEnvironment(this)) return;
			const input = buildInputOf(this.environment?.config.build ?? config.build);
			const entry = input && typeof input === 'object' && !Array.isArray(input) ? (input as Record<string, string>).index : undefined;
			serverBuilds.set(environmentName(this), { entry: entry ? path.resolve(config.root, entry) : undefined, registered: false });
			// Without the wrapper, the build has no build/sockets.js and node build no sockets:
			// better a failed build than an app whose rooms never answer (#11, part 6).
			if (kit && kitAdapterName !== undefined && !kitAdapterName.startsWith('liverpc(') && hasContracts()) {
				this.error(
					`This app has .socket.ts files, but its adapter (${kitAdapterName}) is not wrapped, so node build would serve no sockets. Wrap it: adapter: liverpcAdapter(adapter()) with liverpcAdapter from 'liverpc/adapter'.`
				);
			}
			// The hooks and every contract, as an entry chunk of the server build (#3). It is
			// loaded through the registration below, so it shares SvelteKit's chunks.
			this.emitFile({ type: 'chunk', id: SOCKETS_ENTRY_ID, name: 'liverpc-sockets' });
		},

		async configurePreviewServer(preview) {
			// After SvelteKit's own preview setup: its server build must exist, and ours with it.
			await attachPreviewServer(preview, kitOutDir, socketPath);
		},

		configureServer(server) {
			// A folder's declarations appear with its first contract and go with its last.
			const refreshTypes = (file: string) => {
				if (kit && isContractFile(routesDir, file)) writeFolderTypes();
			};
			server.watcher.on('add', refreshTypes).on('unlink', refreshTypes);
			// Socket files never reach a browser, in any form, nor in an error page (#19).
			const guardErrors = guardServerOnly(server, { root: config.root, routesDir });
			attachDevServer(server, { routesDir, hooksBase, socketPath }, reloadEditedFiles(server, kitServerModuleLoader(server, kit)));
			return guardErrors;
		},

		buildEnd(error) {
			const build = serverBuilds.get(environmentName(this));
			if (build && !error && !build.registered) {
				this.warn(
					"SvelteKit's server entry (the build input 'index') was not found or not transformed: build/sockets.js and node build will not find the socket files. Does vite.config also list sveltekit()?"
				);
			}
		},

		resolveId(id) {
			if (id === SOCKETS_ENTRY_ID) return RESOLVED_SOCKETS_ENTRY;
		},

		load: {
			// Before Vite's own loaders, which serve `?raw`, `?url`, `?inline` and `?worker` (#19).
			order: 'pre',
			handler(id, loadOptions) {
				if (id === RESOLVED_SOCKETS_ENTRY) return socketsEntrySource(findSocketFiles(routesDir, hooksBase));
				const ssr = this.environment ? this.environment.config.consumer === 'server' : Boolean(loadOptions?.ssr);
				if (ssr || browserMayLoad(id, { root: config.root, routesDir })) return;
				// The browser's side of the app asked for server code: refused, naming no more than the file.
				const file = path.relative(config.root, id.replace(/^\0/, '').split('?', 1)[0]!).split(path.sep).join('/');
				this.error(`[liverpc] ${file} is server code: it is never sent to the browser (only a room contract, imported as a module, becomes a stub of ids)`);
			}
		},

		transform(code, id, transformOptions) {
			const file = id.split('?', 1)[0]!;
			const ssr = this.environment ? this.environment.config.consumer === 'server' : Boolean(transformOptions?.ssr);
			const build = ssr ? serverBuilds.get(environmentName(this)) : undefined;
			if (build?.entry === file) {
				build.registered = true;
				return { code: code + registerSocketsLoader(), map: null };
			}
			if (!isContractFile(routesDir, file)) return;

			const routeId = routeIdOf(routesDir, file);
			const program = this.parse(code);
			const { exports, others } = readContractExports(program as never);
			if (ssr) return { code: (pointFolderBuildersAtServer(code, program as never) ?? code) + serverStamp(routeId, exports), map: null };

			const source = path.relative(config.root, file);
			if (others.length > 0) {
				const problems = others.map((other) => `'${other.name}' ${other.reason}`).join('; ');
				this.error(
					`${source}: a room contract exports only join(), call(), event() and presence() from liverpc/server or ./$socket, each as \`export const name = call(…)\`: ${problems}`
				);
			}
			return { code: clientStub(routeId, exports, source, socketPath), map: { mappings: '' } };
		}
	};
}

/** The plugin context's Vite environment (Vite 7 and 8 have them in every hook used here). */
interface EnvironmentContext {
	environment?: { name: string; config: { consumer: string; build: ResolvedConfig['build'] } };
}

function isServerEnvironment(context: EnvironmentContext): boolean {
	return context.environment?.config.consumer === 'server';
}

function environmentName(context: EnvironmentContext): string {
	return context.environment?.name ?? 'ssr';
}

/** A build's input, under Vite 8's `rolldownOptions` or Vite 7's `rollupOptions`. */
function buildInputOf(build: ResolvedConfig['build']): unknown {
	const options = build as { rolldownOptions?: { input?: unknown }; rollupOptions?: { input?: unknown } };
	return options.rolldownOptions?.input ?? options.rollupOptions?.input;
}
