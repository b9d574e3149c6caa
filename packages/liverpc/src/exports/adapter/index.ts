// Public entry `liverpc/adapter`: wraps adapter-node for `svelte.config.js`.
import type { Adapter } from '@sveltejs/kit';
import { writeProductionEntry } from '../../core/adapter/production-entry.js';

/**
 * Options of the {@link liverpc} adapter wrapper.
 *
 * @example
 * ```js
 * liverpc(adapterNode({ out: 'dist' }), { out: 'dist' });
 * ```
 */
export interface LiveRpcAdapterOptions {
	/** adapter-node's output directory, when its `out` option is set. Default `build`. */
	out?: string;
}

const NODE_ADAPTER = '@sveltejs/adapter-node';

/**
 * Wraps `@sveltejs/adapter-node` so that `node build` serves SvelteKit and LiveRPC's
 * Socket.IO from one `http.Server`, honouring adapter-node's `HOST`, `PORT`, `ORIGIN` and
 * `SHUTDOWN_TIMEOUT`. Any other adapter fails the build: static, edge and serverless
 * output cannot keep Socket.IO connections open.
 *
 * @example
 * ```js
 * // svelte.config.js
 * import adapterNode from '@sveltejs/adapter-node';
 * import { liverpc } from 'liverpc/adapter';
 *
 * export default { kit: { adapter: liverpc(adapterNode()) } };
 * ```
 */
export function liverpc(adapter: Adapter, options: LiveRpcAdapterOptions = {}): Adapter {
	if (!adapter || typeof adapter !== 'object' || typeof adapter.adapt !== 'function') {
		throw new TypeError('liverpc() wraps an adapter: liverpc(adapterNode())');
	}
	const out = options.out ?? 'build';
	return {
		...adapter,
		name: `liverpc(${adapter.name})`,
		async adapt(builder) {
			if (adapter.name !== NODE_ADAPTER) {
				throw new Error(
					`liverpc() cannot wrap ${adapter.name}: LiveRPC keeps Socket.IO connections open in one long-running Node process, ` +
						`which static, edge and serverless output cannot do. Use ${NODE_ADAPTER}, or a custom Node server with attach() from liverpc/node.`
				);
			}
			await adapter.adapt(builder);
			builder.log.minor('Adding LiveRPC to the Node server');
			writeProductionEntry(out);
		}
	};
}
