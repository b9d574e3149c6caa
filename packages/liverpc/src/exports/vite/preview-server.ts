import type { Server as HttpServer } from 'node:http';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { PreviewServer } from 'vite';
import { SOCKETS_LOADER } from '../../core/sockets-entry.js';
import type { AttachOptions } from '../../runtime/server/attach.js';
import type { LiveServer } from '../../runtime/server/live-server.js';

/** What the server build's sockets entry gives (see `core/sockets-entry.ts`). */
interface BuiltSockets {
	attach(server: HttpServer, options: AttachOptions): LiveServer;
	optionsFromEnv(options: AttachOptions): AttachOptions;
	options: AttachOptions;
}

/**
 * Serves the built socket files on `vite preview`'s server, as `node build` does.
 * SvelteKit's preview imports its built server from `<outDir>/output/server/index.js`; the
 * same import here evaluates nothing twice (one module instance per URL), and that entry
 * registered how to load the socket files, from the chunks SvelteKit's own code uses.
 *
 * @param kitOutDir SvelteKit's output folder
 * @param socketPath the default socket path, under SvelteKit's `paths.base`
 */
export async function attachPreviewServer(preview: PreviewServer, kitOutDir: string, socketPath: string): Promise<LiveServer | undefined> {
	const httpServer = preview.httpServer as HttpServer | null;
	if (!httpServer) return undefined;
	const entry = path.join(kitOutDir, 'output/server/index.js');
	await import(pathToFileURL(entry).href);
	const load = (globalThis as Record<symbol, unknown>)[Symbol.for(SOCKETS_LOADER)];
	if (typeof load !== 'function') {
		preview.config.logger.warn(`[liverpc] ${path.relative(preview.config.root, entry)} has no LiveRPC socket files: run vite build with liverpc() in the Vite config first.`);
		return undefined;
	}
	const sockets = (await load()) as BuiltSockets;
	const options = sockets.optionsFromEnv(sockets.options);
	const live = sockets.attach(httpServer, { ...options, path: options.path ?? socketPath });
	httpServer.once('close', () => void live.shutdown({ timeout: 0 }));
	return live;
}
