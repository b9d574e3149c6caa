import path from 'node:path';
import type { ResolvedConfig } from 'vite';
import { kitBasePath, kitConfigFields } from '../../core/kit-config.js';
import { linkSocketTypesInto } from '../../core/route-types.js';

/** What LiveRPC reads of SvelteKit's own configuration. */
export interface KitPluginOptions {
	/** SvelteKit's output folder, absolute; `.svelte-kit` unless the app moved it. */
	outDir: string;
	/** `paths.base`, e.g. `/app`, or `''`. */
	base: string;
	/** The configured adapter's name, e.g. `liverpc(@sveltejs/adapter-node)`, when there is one. */
	adapterName: string | undefined;
}

/**
 * SvelteKit's configuration as its Vite plugin holds it (`api.options` of
 * `vite-plugin-sveltekit-setup`). Defaults when SvelteKit is not there.
 */
export function readKitPluginOptions(config: ResolvedConfig): KitPluginOptions {
	const fields = kitPluginFields(config);
	return {
		outDir: path.resolve(config.root, typeof fields.outDir === 'string' ? fields.outDir : '.svelte-kit'),
		base: kitBasePath(fields),
		adapterName: typeof fields.adapter?.name === 'string' ? fields.adapter.name : undefined
	};
}

function kitPluginFields(config: ResolvedConfig) {
	const setup = config.plugins.find((plugin) => plugin.name === 'vite-plugin-sveltekit-setup');
	return kitConfigFields((setup?.api as { options?: unknown } | undefined)?.options);
}

const LINKED = Symbol.for('liverpc.linked-socket-types');

/**
 * Makes SvelteKit's `typescript.config` hook add the `./$socket` declarations to the tsconfig
 * it writes. `svelte-kit sync` resolves the Vite config (this plugin included) before it
 * writes, so the hook is in place when it runs; `vite dev` and `vite build` have written
 * theirs already, and the plugin edits that file itself.
 */
export function linkSocketTypesOnSync(config: ResolvedConfig): void {
	const typescript = kitPluginFields(config).typescript;
	// SvelteKit 2 always has a hook (the identity by default); SvelteKit 3 deprecates the option
	// and calls the hook only when there is one.
	if (!typescript || typeof typescript !== 'object') return;
	if (typescript.config !== undefined && typeof typescript.config !== 'function') return;
	const hook = typescript.config as (((tsconfig: Record<string, any>) => Record<string, any> | void) & { [LINKED]?: true }) | undefined;
	if (hook?.[LINKED]) return;
	const linked = Object.assign(
		(tsconfig: Record<string, any>) => {
			const result = hook?.(tsconfig) ?? tsconfig;
			linkSocketTypesInto(result);
			return result;
		},
		{ [LINKED]: true as const }
	);
	try {
		typescript.config = linked;
	} catch {
		// A frozen configuration: the tsconfig file edit in configResolved still covers dev and build.
	}
}
