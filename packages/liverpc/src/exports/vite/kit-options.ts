import path from 'node:path';
import type { ResolvedConfig } from 'vite';

/** What LiveRPC reads of SvelteKit's own configuration. */
export interface KitPluginOptions {
	/** SvelteKit's output folder, absolute; `.svelte-kit` unless the app moved it. */
	outDir: string;
	/** `paths.base`, e.g. `/app`, or `''`. */
	base: string;
}

/**
 * SvelteKit's configuration as its Vite plugin holds it (`api.options` of
 * `vite-plugin-sveltekit-setup`): the validated config, whose fields sit under `kit` on
 * SvelteKit 2 and at the top on SvelteKit 3 (#10). Defaults when SvelteKit is not there.
 */
export function readKitPluginOptions(config: ResolvedConfig): KitPluginOptions {
	const setup = config.plugins.find((plugin) => plugin.name === 'vite-plugin-sveltekit-setup');
	type Fields = { outDir?: unknown; paths?: { base?: unknown } };
	const options = (setup?.api as { options?: Fields & { kit?: Fields } } | undefined)?.options;
	const fields: Fields | undefined = options?.kit ?? options;
	const outDir = fields?.outDir;
	const base = fields?.paths?.base;
	return {
		outDir: path.resolve(config.root, typeof outDir === 'string' ? outDir : '.svelte-kit'),
		base: typeof base === 'string' ? base : ''
	};
}
