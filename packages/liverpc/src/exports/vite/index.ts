// Public entry `liverpc/vite`: the Vite plugin, added after `sveltekit()`.
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Plugin, ResolvedConfig, ViteDevServer } from 'vite';
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
	const state = emptyPluginState();
	return {
		name: 'liverpc',

		config() {
			// One `liverpc` at run time: contracts import `liverpc/server` through Node, the same
			// copy the dev server and the production entry run (and adapter-node keeps it external).
			return { ssr: { external: ['liverpc'] } };
		},

		configResolved(resolved) {
			readResolvedConfig(state, options, resolved);
			if (state.kit) linkFolderTypes(state, resolved);
		},

		buildStart() {
			// Read from this environment's resolved config, so the plugin's place relative to
			// sveltekit() does not matter. Only server builds get the socket files.
			if (state.config.command !== 'build' || !isServerEnvironment(this)) return;
			addSocketsToServerBuild(this, state);
		},

		async configurePreviewServer(preview) {
			// After SvelteKit's own preview setup: its server build must exist, and ours with it.
			await attachPreviewServer(preview, state.kitOutDir, state.socketPath);
		},

		configureServer(server) {
			return serveSocketsInDev(server, state);
		},

		buildEnd(error) {
			warnIfEntryNotRegistered(this, state, error);
		},

		resolveId(id) {
			if (id === SOCKETS_ENTRY_ID) return RESOLVED_SOCKETS_ENTRY;
		},

		load: {
			// Before Vite's own loaders, which serve `?raw`, `?url`, `?inline` and `?worker`: those
			// would otherwise hand a socket file's source to the browser.
			order: 'pre',
			handler(id, loadOptions) {
				return loadSocketsEntryOrRefuse(this, state, id, loadOptions);
			}
		},

		transform(code, id, transformOptions) {
			return transformModule(this, state, code, id, transformOptions);
		}
	};
}

/** What the plugin reads once from the resolved config, and what its hooks share. */
interface PluginState {
	config: ResolvedConfig;
	routesDir: string;
	hooksBase: string;
	kit: KitVersion | undefined;
	// SvelteKit's output folder and the socket path under its `paths.base`, read once.
	kitOutDir: string;
	kitAdapterName: string | undefined;
	socketPath: string;
	// Per server environment being built: SvelteKit's server entry, which registers the sockets
	// loader, and whether that registration was added. SvelteKit 2 builds the server in its own
	// `vite build` with `build.ssr`; SvelteKit 3 builds client and server in one, as Vite
	// environments sharing this plugin instance, so one flag for the whole plugin would not do.
	serverBuilds: Map<string, { entry: string | undefined; registered: boolean }>;
}

function emptyPluginState(): PluginState {
	return {
		// Set by `configResolved`, which Vite runs before any hook that reads it.
		config: undefined as unknown as ResolvedConfig,
		routesDir: '',
		hooksBase: '',
		kit: undefined,
		kitOutDir: '',
		kitAdapterName: undefined,
		socketPath: DEFAULT_PATH,
		serverBuilds: new Map()
	};
}

/** Step 1 (`configResolved`): the folders, the SvelteKit version and SvelteKit's own options. */
function readResolvedConfig(state: PluginState, options: LiveRpcPluginOptions, resolved: ResolvedConfig): void {
	state.config = resolved;
	state.routesDir = path.resolve(resolved.root, options.routes ?? 'src/routes');
	state.hooksBase = path.resolve(resolved.root, options.hooks ?? 'src/hooks.socket');
	// Without SvelteKit (a plain Vite app with a custom server) there is nothing to match;
	// with it, an unsupported version or Node fails here, before anything is built.
	state.kit = readInstalledPackage(resolved.root, '@sveltejs/kit') ? readKitVersion(resolved.root) : undefined;
	const kitOptions = readKitPluginOptions(resolved);
	state.kitOutDir = kitOptions.outDir;
	state.kitAdapterName = kitOptions.adapterName;
	state.socketPath = socketPathFor(kitOptions.base);
}

/**
 * Step 2 (`configResolved`, SvelteKit apps): typed params for contracts importing `./$socket`,
 * so a room's handlers see its route's params as SvelteKit's own files do. Runs in every command
 * that resolves this config, `svelte-kit sync` included.
 */
function linkFolderTypes(state: PluginState, resolved: ResolvedConfig): void {
	writeFolderTypes(state);
	for (const file of kitTsconfigFiles(resolved.root, state.kitOutDir)) linkSocketTypes(file, state.kitOutDir);
	linkSocketTypesOnSync(resolved);
}

function hasContracts(state: PluginState): boolean {
	return existsSync(state.routesDir) && findSocketFiles(state.routesDir, state.hooksBase).contracts.length > 0;
}

function writeFolderTypes(state: PluginState): void {
	if (!existsSync(state.routesDir)) return;
	try {
		writeSocketTypes(state.config.root, state.routesDir, state.kitOutDir, findSocketFiles(state.routesDir, state.hooksBase).contracts);
	} catch (problem) {
		// Two files for one room: the dev server and the build say so where it matters.
		state.config.logger.warn(`[liverpc] ./$socket types not written: ${(problem as Error).message}`);
	}
}

/** The parts of a build hook's context used here. */
interface BuildContext extends EnvironmentContext {
	error(message: string): never;
	warn(message: string): void;
	emitFile(file: { type: 'chunk'; id: string; name: string }): string;
}

/**
 * `buildStart` of a server build: remember SvelteKit's server entry, refuse an unwrapped adapter,
 * and emit the sockets entry chunk.
 */
function addSocketsToServerBuild(context: BuildContext, state: PluginState): void {
	const { config } = state;
	const input = buildInputOf(context.environment?.config.build ?? config.build);
	const entry = input && typeof input === 'object' && !Array.isArray(input) ? (input as Record<string, string>).index : undefined;
	state.serverBuilds.set(environmentName(context), { entry: entry ? path.resolve(config.root, entry) : undefined, registered: false });
	// Without the wrapper, the build has no build/sockets.js and node build no sockets:
	// better a failed build than an app whose rooms never answer in production.
	if (state.kit && state.kitAdapterName !== undefined && !state.kitAdapterName.startsWith('liverpc(') && hasContracts(state)) {
		context.error(
			`This app has .socket.ts files, but its adapter (${state.kitAdapterName}) is not wrapped, so node build would serve no sockets. Wrap it: adapter: liverpcAdapter(adapter()) with liverpcAdapter from 'liverpc/adapter'.`
		);
	}
	// The hooks and every contract, as an entry chunk of the server build, so the adapter finds
	// them in one file. It is loaded through the registration below, so it shares SvelteKit's chunks.
	context.emitFile({ type: 'chunk', id: SOCKETS_ENTRY_ID, name: 'liverpc-sockets' });
}

/** `buildEnd`: a server build whose SvelteKit entry never got the sockets registration. */
function warnIfEntryNotRegistered(context: BuildContext, state: PluginState, error: Error | undefined): void {
	const build = state.serverBuilds.get(environmentName(context));
	if (build && !error && !build.registered) {
		context.warn(
			"SvelteKit's server entry (the build input 'index') was not found or not transformed: build/sockets.js and node build will not find the socket files. Does vite.config also list sveltekit()?"
		);
	}
}

/** `configureServer`: keep `./$socket` types current, guard server code, serve the sockets. */
function serveSocketsInDev(server: ViteDevServer, state: PluginState): ReturnType<typeof guardServerOnly> {
	const { config, routesDir, hooksBase, socketPath, kit } = state;
	// A folder's declarations appear with its first contract and go with its last.
	const refreshTypes = (file: string) => {
		if (state.kit && isContractFile(state.routesDir, file)) writeFolderTypes(state);
	};
	server.watcher.on('add', refreshTypes).on('unlink', refreshTypes);
	// Socket files hold server code and secrets: they never reach a browser, in any form, nor
	// in an error page.
	const guardErrors = guardServerOnly(server, { root: config.root, routesDir });
	attachDevServer(server, { routesDir, hooksBase, socketPath }, reloadEditedFiles(server, kitServerModuleLoader(server, kit)));
	return guardErrors;
}

/** The parts of a `load` or `transform` hook's context used here. */
interface ModuleContext extends EnvironmentContext {
	error(message: string): never;
	parse(code: string): unknown;
}

/** `load`: the virtual sockets entry; server code asked for by the browser's side is refused. */
function loadSocketsEntryOrRefuse(
	context: Omit<ModuleContext, 'parse'>,
	state: PluginState,
	id: string,
	loadOptions: { ssr?: boolean } | undefined
): string | undefined {
	const { config, routesDir } = state;
	if (id === RESOLVED_SOCKETS_ENTRY) return socketsEntrySource(findSocketFiles(routesDir, state.hooksBase));
	const ssr = context.environment ? context.environment.config.consumer === 'server' : Boolean(loadOptions?.ssr);
	if (ssr || browserMayLoad(id, { root: config.root, routesDir })) return;
	// The browser's side of the app asked for server code: refused, naming no more than the file.
	const file = path.relative(config.root, id.replace(/^\0/, '').split('?', 1)[0]!).split(path.sep).join('/');
	context.error(`[liverpc] ${file} is server code: it is never sent to the browser (only a room contract, imported as a module, becomes a stub of ids)`);
}

/**
 * `transform`: SvelteKit's server entry gets the sockets registration; a room contract gets its
 * server stamp on the server, and becomes a stub of ids in the browser.
 */
function transformModule(
	context: ModuleContext,
	state: PluginState,
	code: string,
	id: string,
	transformOptions: { ssr?: boolean } | undefined
): { code: string; map: null | { mappings: '' } } | undefined {
	const { config, routesDir } = state;
	const file = id.split('?', 1)[0]!;
	const ssr = context.environment ? context.environment.config.consumer === 'server' : Boolean(transformOptions?.ssr);
	const build = ssr ? state.serverBuilds.get(environmentName(context)) : undefined;
	if (build?.entry === file) {
		build.registered = true;
		return { code: code + registerSocketsLoader(), map: null };
	}
	if (!isContractFile(routesDir, file)) return;

	const routeId = routeIdOf(routesDir, file);
	const program = context.parse(code);
	const { exports, others } = readContractExports(program as never);
	if (ssr) return { code: (pointFolderBuildersAtServer(code, program as never) ?? code) + serverStamp(routeId, exports), map: null };

	const source = path.relative(config.root, file);
	if (others.length > 0) {
		const problems = others.map((other) => `'${other.name}' ${other.reason}`).join('; ');
		context.error(
			`${source}: a room contract exports only join(), call(), event() and presence() from liverpc/server or ./$socket, each as \`export const name = call(…)\`: ${problems}`
		);
	}
	return { code: clientStub(routeId, exports, source, state.socketPath), map: { mappings: '' } };
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
