import { MARKER } from '../runtime/shared/contract-marker.js';
import { DEFAULT_PATH, SOCKET_PATH_GLOBAL } from '../runtime/shared/protocol.js';
import type { ContractExport } from './contract-exports.js';

/**
 * The browser's version of a `.socket.ts` module: each export becomes its marker alone
 * (kind, route id, export name), which is all `live()` reads. No handler, schema or import
 * of the original survives, so server code (and what it knows) cannot reach the client bundle.
 *
 * @example
 * ```ts
 * clientStub('rooms/[roomId]/chat', [{ name: 'send', local: 'send', kind: 'call' }], 'src/routes/rooms/[roomId]/chat.socket.ts');
 * // export const send = { "~liverpc": { "kind": "call", "route": "rooms/[roomId]/chat", "name": "send" } };
 * // With a fourth argument '/app/_liverpc' (an app under paths.base '/app'), it also sets the tab's socket path.
 * ```
 */
export function clientStub(routeId: string, exports: ContractExport[], source: string, socketPath = DEFAULT_PATH): string {
	const lines = [`// Client stub of ${source}, made by liverpc/vite: export names and ids only.`];
	if (socketPath !== DEFAULT_PATH) {
		// The app has a paths.base: its tab's client connects under it.
		lines.push(`globalThis[Symbol.for(${JSON.stringify(SOCKET_PATH_GLOBAL)})] = ${JSON.stringify(socketPath)};`);
	}
	for (const { name, kind } of exports) {
		const marker = JSON.stringify({ [MARKER]: { kind, route: routeId, name } });
		lines.push(`export const ${name} = Object.freeze(${marker});`);
	}
	return lines.join('\n') + '\n';
}
