import type { SocketFiles } from './socket-files.js';

/** The id the server build imports the app's socket files by. */
export const SOCKETS_ENTRY_ID = 'virtual:liverpc/sockets';

/**
 * The global through which the production entry finds the socket files. SvelteKit's server
 * entry sets it (see {@link registerSocketsLoader}), so the files are reachable from the
 * module graph every adapter bundles and share its chunks: one `$lib/server/db` for pages and sockets alike.
 */
export const SOCKETS_LOADER = 'liverpc.sockets';

/**
 * Source of the server build's `liverpc-sockets` entry: the hooks and every contract by
 * route id, ready for `attach`, and `attach` (with `optionsFromEnv`) from the same `liverpc` the contracts
 * import.
 *
 * @example
 * ```ts
 * const { attach, options } = await import('./liverpc-sockets.js');
 * attach(httpServer, options);
 * ```
 */
export function socketsEntrySource(files: SocketFiles): string {
	const lines = ["export { attach, optionsFromEnv } from 'liverpc/node';"];
	if (files.hooks) lines.push(`import * as hooks from ${JSON.stringify(files.hooks)};`);
	const contracts: string[] = [];
	files.contracts.forEach(({ file, routeId }, index) => {
		lines.push(`import * as room${index} from ${JSON.stringify(file)};`);
		contracts.push(`\t${JSON.stringify(routeId)}: room${index}`);
	});
	if (files.hooks) {
		// Read through Object(): every export is optional, and a bundler warns about a static
		// read of an export the file does not have.
		lines.push('const { handle, handleError, options: liveOptions } = Object(hooks);');
	}
	const hookFields = files.hooks ? '...liveOptions, handle, handleError, ' : '';
	lines.push(`export const options = { ${hookFields}contracts: {\n${contracts.join(',\n')}\n} };`);
	return lines.join('\n') + '\n';
}

/**
 * Appended to SvelteKit's server entry in the server build: a side effect that no bundler
 * drops, which registers how to load the socket files. adapter-node re-bundles that entry
 * with its own, and this keeps the sockets module and its imports in the same chunks.
 */
export function registerSocketsLoader(): string {
	return `\nglobalThis[Symbol.for(${JSON.stringify(SOCKETS_LOADER)})] = () => import(${JSON.stringify(SOCKETS_ENTRY_ID)});\n`;
}
