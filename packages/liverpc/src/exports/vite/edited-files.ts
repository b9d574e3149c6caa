import { statSync } from 'node:fs';
import type { ViteDevServer } from 'vite';
import type { LoadServerModule } from './kit-module-loader.js';

/**
 * Wraps the dev server's loader so that a socket file saved since it was last loaded is
 * loaded from disk, even when Vite's file watcher missed the save. Vite invalidates a module
 * when the watcher reports a change; a save right after a reload (an edit undone at once, an
 * editor's atomic write) was seen to go unreported about one time in five, and the old code
 * then served every call until the next save. So each load compares the file's mtime
 * and size with those it last loaded, and invalidates the module in the `ssr` graph, which
 * both of SvelteKit's loaders fetch from, when they differ. One `stat` per socket file per
 * handshake, join or call, and only under `vite dev`.
 */
export function reloadEditedFiles(vite: ViteDevServer, load: LoadServerModule): LoadServerModule {
	const loadedStamps = new Map<string, string>(); // file -> its mtime and size when last loaded
	return async (file) => {
		const stamp = fileStamp(file);
		const last = loadedStamps.get(file);
		// A file just deleted is left to the watcher's unlink, which drops its room: loading it
		// again would wait on a module Vite can no longer read.
		if (last !== undefined && stamp !== undefined && last !== stamp) {
			const graph = vite.environments?.ssr?.moduleGraph;
			for (const module of graph?.getModulesByFile(file) ?? []) graph!.invalidateModule(module);
		}
		const module = await load(file);
		if (stamp !== undefined) loadedStamps.set(file, stamp);
		return module;
	};
}

function fileStamp(file: string): string | undefined {
	try {
		const stats = statSync(file);
		return `${stats.mtimeMs}:${stats.size}`;
	} catch {
		return undefined;
	}
}
