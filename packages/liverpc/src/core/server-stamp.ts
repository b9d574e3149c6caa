import { MARKER } from '../runtime/shared/contract-marker.js';
import type { ContractExport } from './contract-exports.js';

/**
 * Code appended to a `.socket.ts` module on the server (dev and build) that writes its
 * route id and export names onto its markers as soon as it is evaluated. Then
 * `message.to(params).emit()` works from a form action or `+server.ts` that imports the
 * contract, even before the socket server has loaded that module instance (a file just
 * edited under `vite dev`). Registration later claims the same ids.
 */
export function serverStamp(routeId: string, exports: ContractExport[]): string {
	if (exports.length === 0) return '';
	const bindings = exports.map(({ name, local }) => (name === local ? name : `${JSON.stringify(name)}: ${local}`)).join(', ');
	return `
;((route, exports) => {
	for (const name in exports) {
		const marker = exports[name]?.[${JSON.stringify(MARKER)}];
		if (marker && typeof marker === 'object' && marker.route === undefined) Object.assign(marker, { route, name });
	}
})(${JSON.stringify(routeId)}, { ${bindings} });
`;
}
