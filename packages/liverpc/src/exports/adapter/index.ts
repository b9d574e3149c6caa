// Public entry `liverpc/adapter`: wraps adapter-node, in `vite.config.ts` or `svelte.config.js`.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Adapter, Builder } from '@sveltejs/kit';
import { writeProductionEntry } from '../../core/adapter/production-entry.js';
import { kitBasePath, kitConfigFields } from '../../core/kit-config.js';
import { findSocketFiles } from '../../core/socket-files.js';
import { SOCKETS_LOADER } from '../../core/sockets-entry.js';
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
			checkSocketsBuilt(builder);
			await adapter.adapt(builder);
			builder.log.minor('Adding LiveRPC to the Node server');
			writeProductionEntry(out, kitBasePath(kitConfigFields(builder.config)));
		}
	};
}

/**
 * Fails the build when the app has socket files but the server build does not carry them:
 * the Vite plugin is missing from the Vite config, and `node build` would serve pages with
 * every socket refused.
 */
function checkSocketsBuilt(builder: Builder): void {
	// Looked for in every server file: the bundler may move the entry's code into a chunk.
	if (someFileContains(builder.getServerDirectory(), SOCKETS_LOADER)) return;
	const routesDir = kitConfigFields(builder.config).files?.routes;
	const routes = path.resolve(typeof routesDir === 'string' ? routesDir : 'src/routes');
	const files = findSocketFiles(routes, path.resolve('src/hooks.socket'));
	const count = files.contracts.length + (files.hooks ? 1 : 0);
	if (count === 0) return;
	throw new Error(
		`liverpcAdapter(): the app has ${count} socket file${count === 1 ? '' : 's'} (${path.relative(process.cwd(), files.hooks ?? files.contracts[0]!.file)}${count > 1 ? ', …' : ''}) but the server build has none: add liverpc() from 'liverpc/vite' to the Vite config's plugins, after sveltekit().`
	);
}

function someFileContains(dir: string, text: string): boolean {
	if (!existsSync(dir)) return false;
	return readdirSync(dir, { withFileTypes: true }).some((entry) => {
		const file = path.join(dir, entry.name);
		if (entry.isDirectory()) return someFileContains(file, text);
		return entry.name.endsWith('.js') && readFileSync(file, 'utf8').includes(text);
	});
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
