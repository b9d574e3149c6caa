import type { Server as HttpServer } from 'node:http';
import type { ViteDevServer } from 'vite';
import { replaceContract, type RoomContract } from '../../runtime/server/contract/contract-registry.js';
import { resolveOptions, type LiveOptions } from '../../runtime/server/options/live-options.js';
import { createLiveServer, type LiveServer, type ReconfigurableLiveServer } from '../../runtime/server/live-server.js';
import type { SocketHooks } from '../../runtime/server/gate/socket-hook.js';
import { findSocketFiles, isContractFile, type SocketFiles } from '../../core/socket-files.js';
import type { LoadServerModule } from './kit-module-loader.js';
import { createLocalsAdvice } from './locals-advice.js';

/** Where the dev server finds the app's socket files. */
export interface DevSocketPaths {
	routesDir: string;
	hooksBase: string;
	/** The Socket.IO path: `/_liverpc`, under SvelteKit's `paths.base` when it has one. */
	socketPath: string;
}

/**
 * Serves the app's socket files on Vite's own HTTP server, next to SvelteKit and Vite's HMR
 * socket. Hooks and contracts are loaded with `loadModule`, the loader SvelteKit loads its
 * server code with, so both share one module graph (`$lib/server/db` is one instance) and an
 * edited file is picked up on the next handshake, join or call without a restart.
 */
export function attachDevServer(vite: ViteDevServer, paths: DevSocketPaths, loadModule: LoadServerModule): LiveServer | undefined {
	// Vite's server is http, https or (with TLS) http2 allowing HTTP/1; Socket.IO takes each.
	const httpServer = vite.httpServer as HttpServer | null;
	if (!httpServer) {
		// Vitest runs the app's Vite config without a server of its own: nothing to attach to.
		if (process.env.VITEST) return undefined;
		vite.config.logger.warn(
			'[liverpc] Vite runs in middleware mode: attach LiveRPC to your own server with attach() from liverpc/node'
		);
		return undefined;
	}

	const hooks: SocketHooks = {};
	let server: ReconfigurableLiveServer | undefined;
	const contracts = new Map<string, RoomContract>();
	let files: SocketFiles | undefined;
	let loadedHooks: unknown;
	const loaded = new Map<string, unknown>(); // route id -> module namespace last registered

	const load = async () => {
		// A local: the watcher may reset `files` while this load awaits a module.
		const current = (files ??= findSocketFiles(paths.routesDir, paths.hooksBase));
		if (current.hooks) {
			const module = (await loadModule(current.hooks)) as SocketHooks & { options?: LiveOptions };
			if (module !== loadedHooks) {
				if (module.handle !== undefined && typeof module.handle !== 'function') {
					throw new TypeError(`${current.hooks}: 'handle' must be made by handleSocket()`);
				}
				// The same options object node build reads; checked before anything is swapped.
				let options;
				try {
					options = resolveOptions(module.options);
				} catch (problem) {
					throw new TypeError(`${current.hooks}: export 'options': ${(problem as Error).message}`);
				}
				server?.reconfigure(options);
				hooks.handle = module.handle;
				hooks.handleError = module.handleError;
				loadedHooks = module;
			}
		} else if (loadedHooks !== undefined) {
			hooks.handle = hooks.handleError = loadedHooks = undefined;
			server?.reconfigure(resolveOptions(undefined));
		}

		const present = new Set<string>();
		for (const { file, routeId } of current.contracts) {
			present.add(routeId);
			const module = await loadModule(file);
			if (loaded.get(routeId) === module) continue;
			replaceContract(contracts, routeId, module);
			loaded.set(routeId, module);
		}
		for (const routeId of contracts.keys()) {
			if (!present.has(routeId)) {
				contracts.delete(routeId);
				loaded.delete(routeId);
			}
		}
	};

	// One load at a time; an operation that arrives meanwhile waits for it.
	let loading: Promise<void> | undefined;
	const refresh = () =>
		(loading ??= load().finally(() => {
			loading = undefined;
		}));

	const rescan = (file: string) => {
		if (isContractFile(paths.routesDir, file) || file.startsWith(paths.hooksBase)) files = undefined;
	};
	vite.watcher.on('add', rescan);
	vite.watcher.on('unlink', rescan);

	const inspectLocals = createLocalsAdvice((message) => vite.config.logger.warn(message));
	// The dev inspector, at `${socketPath}/inspector` (`/_liverpc/inspector`): this server's
	// connections, rooms, members, presence and last calls, live. `locals` show their shape
	// only; LIVERPC_INSPECTOR_SHOW_LOCALS=1 in vite dev's environment shows their values.
	const inspector = { showLocals: process.env.LIVERPC_INSPECTOR_SHOW_LOCALS === '1', allowedHosts: allowedHosts(vite.config.server) };
	server = createLiveServer(httpServer, { hooks, contracts, options: resolveOptions(undefined), refresh, inspectLocals, inspector, path: paths.socketPath });
	printInspectorUrl(vite, paths.socketPath);
	httpServer.once('close', () => void server.shutdown({ timeout: 0 }));
	return server;
}

/**
 * The hosts Vite answers (its `hostValidationMiddleware`): `allowedHosts`, plus `server.host`
 * and `server.origin`'s name; any over HTTPS, where DNS rebinding cannot pass the certificate.
 */
function allowedHosts(server: ViteDevServer['config']['server']): string[] | true {
	if (server.allowedHosts === true || server.https) return true;
	const hosts = [...server.allowedHosts];
	if (typeof server.host === 'string' && server.host) hosts.push(server.host);
	if (server.origin && URL.canParse(server.origin)) hosts.push(new URL(server.origin).hostname);
	return hosts;
}

/** Adds the inspector's address under the ones `vite dev` prints at start (and on `u`). */
function printInspectorUrl(vite: ViteDevServer, socketPath: string): void {
	const printUrls = vite.printUrls.bind(vite);
	vite.printUrls = () => {
		printUrls();
		const local = vite.resolvedUrls?.local[0];
		// The socket path holds `paths.base` already; the local address may too.
		if (local) vite.config.logger.info(`  \u279c  LiveRPC inspector: ${new URL(local).origin}${socketPath.replace(/\/+$/, '')}/inspector`);
	};
}
