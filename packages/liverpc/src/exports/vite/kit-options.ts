import path from 'node:path';
import type { ResolvedConfig } from 'vite';
import { kitBasePath, kitConfigFields } from '../../core/kit-config.js';

/** What LiveRPC reads of SvelteKit's own configuration. */
export interface KitPluginOptions {
	/** SvelteKit's output folder, absolute; `.svelte-kit` unless the app moved it. */
	outDir: string;
	/** `paths.base`, e.g. `/app`, or `''`. */
	base: string;
}

/**
 * SvelteKit's configuration as its Vite plugin holds it (`api.options` of
 * `vite-plugin-sveltekit-setup`). Defaults when SvelteKit is not there.
 */
export function readKitPluginOptions(config: ResolvedConfig): KitPluginOptions {
	const setup = config.plugins.find((plugin) => plugin.name === 'vite-plugin-sveltekit-setup');
	const fields = kitConfigFields((setup?.api as { options?: unknown } | undefined)?.options);
	return {
		outDir: path.resolve(config.root, typeof fields.outDir === 'string' ? fields.outDir : '.svelte-kit'),
		base: kitBasePath(fields)
	};
}
