import type { ViteDevServer } from 'vite';
import type { KitVersion } from '../../core/kit-version.js';

/** Loads a server module the way SvelteKit loads its own server code under `vite dev`. */
export type LoadServerModule = (file: string) => Promise<Record<string, unknown>>;

/**
 * The loader SvelteKit itself uses in `vite dev`, so that the socket hooks, the contracts and
 * SvelteKit's pages share one module graph and `$lib/server/db` (`#lib` on SvelteKit 3) is one
 * instance for all of them. SvelteKit 2 loads with `ssrLoadModule`; SvelteKit 3 with the `ssr`
 * environment's module runner, which Vite 8 keeps apart from the runner behind
 * `ssrLoadModule`: loading through the other one gave the socket a second copy of every
 * module, and a session store the page had never written to.
 */
export function kitServerModuleLoader(vite: ViteDevServer, kit: KitVersion | undefined): LoadServerModule {
	if (kit?.major !== 3) return (file) => vite.ssrLoadModule(file);
	// Read on first use: touching the runner before the server listens is unsafe, SvelteKit says.
	return (file) => {
		const ssr = vite.environments?.ssr as { runner?: { import(url: string): Promise<Record<string, unknown>> } } | undefined;
		const runner = ssr?.runner;
		if (!runner || typeof runner.import !== 'function') {
			// SvelteKit 3 refuses such a server itself; this says what LiveRPC needed.
			throw new Error(
				"LiveRPC: Vite's ssr environment has no module runner, which SvelteKit 3 loads server code with. Is environments.ssr.dev.createEnvironment replaced in vite.config?"
			);
		}
		return runner.import(file);
	};
}
