// Public entry `liverpc/adapter`: wraps adapter-node, in `vite.config.ts` or `svelte.config.js`.
import type { Adapter } from '@sveltejs/kit';
import { writeProductionEntry } from '../../core/adapter/production-entry.js';
import { checkAdapterNodeVersion, readKitVersion } from '../../core/kit-version.js';

/**
 * Options of the {@link liverpcAdapter} wrapper.
 *
 * @example
 * ```js
 * liverpcAdapter(adapterNode({ out: 'dist' }), { out: 'dist' });
 * ```
 */
export interface LiveRpcAdapterOptions {
	/** adapter-node's output directory, when its `out` option is set. Default `build`. */
	out?: string;
}

const NODE_ADAPTER = '@sveltejs/adapter-node';

/**
 * Wraps `@sveltejs/adapter-node` so that `node build` serves SvelteKit and LiveRPC's
 * Socket.IO from one `http.Server`, honouring adapter-node's `HOST`, `PORT`,
 * `SHUTDOWN_TIMEOUT`, proxy headers and the app's origin (`ORIGIN` on adapter-node 5,
 * `paths.origin` on adapter-node 6). Any other adapter fails the build: static, edge and
 * serverless output cannot keep Socket.IO connections open. SvelteKit 2 takes adapter-node 5,
 * SvelteKit 3 adapter-node 6; the wrapper finds out which one it wraps.
 *
 * @example
 * ```ts
 * // vite.config.ts: SvelteKit 3, and SvelteKit 2.62+ as `sv create` writes it
 * import adapterNode from '@sveltejs/adapter-node';
 * import { sveltekit } from '@sveltejs/kit/vite';
 * import { liverpcAdapter } from 'liverpc/adapter';
 * import { liverpc } from 'liverpc/vite';
 * import { defineConfig } from 'vite';
 *
 * export default defineConfig({
 *   plugins: [sveltekit({ adapter: liverpcAdapter(adapterNode()) }), liverpc()]
 * });
 * ```
 * @example
 * ```js
 * // svelte.config.js: SvelteKit 2
 * import adapterNode from '@sveltejs/adapter-node';
 * import { liverpcAdapter } from 'liverpc/adapter';
 *
 * export default { kit: { adapter: liverpcAdapter(adapterNode()) } };
 * ```
 */
export function liverpcAdapter(adapter: Adapter, options: LiveRpcAdapterOptions = {}): Adapter {
	if (!adapter || typeof adapter !== 'object' || typeof adapter.adapt !== 'function') {
		throw new TypeError('liverpcAdapter() wraps an adapter: liverpcAdapter(adapterNode())');
	}
	const out = options.out ?? 'build';
	return {
		...adapter,
		name: `liverpc(${adapter.name})`,
		async adapt(builder) {
			if (adapter.name !== NODE_ADAPTER) {
				throw new Error(
					`liverpcAdapter() cannot wrap ${adapter.name}: LiveRPC keeps Socket.IO connections open in one long-running Node process, ` +
						`which static, edge and serverless output cannot do. Use ${NODE_ADAPTER}, or a custom Node server with attach() from liverpc/node.`
				);
			}
			// A mismatched pair fails here, before adapter-node writes output LiveRPC cannot read.
			checkAdapterNodeVersion(process.cwd(), readKitVersion(process.cwd()));
			await adapter.adapt(builder);
			builder.log.minor('Adding LiveRPC to the Node server');
			writeProductionEntry(out);
		}
	};
}

let warnedDeprecated = false;

/**
 * The adapter wrapper's former name, kept working: it shares its name with the Vite plugin
 * from `liverpc/vite`, so both could not be imported into one `vite.config.ts` without a rename.
 *
 * @deprecated Use {@link liverpcAdapter}, the same function under a name of its own.
 * @example
 * ```js
 * import { liverpcAdapter } from 'liverpc/adapter'; // was: import { liverpc } from 'liverpc/adapter'
 * ```
 */
export function liverpc(adapter: Adapter, options: LiveRpcAdapterOptions = {}): Adapter {
	if (!warnedDeprecated) {
		warnedDeprecated = true;
		console.warn("[liverpc] liverpc() from 'liverpc/adapter' is now liverpcAdapter(); the old name still works and will be removed in a later major version.");
	}
	return liverpcAdapter(adapter, options);
}
