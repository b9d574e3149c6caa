import { SOCKET_PATH_GLOBAL } from '../shared/protocol.js';
import { LiveClient } from './live-client.js';
import type { MakeState } from './reactive-state.js';

/**
 * Makes the accessor of the one client a tab shares. During server-side rendering there is
 * no tab: the client never connects, and rooms stay `joining` until the page hydrates.
 */
export function tabClientAccessor(makeState: MakeState): () => LiveClient {
	let client: LiveClient | undefined;
	return () => (client ??= new LiveClient(typeof window === 'undefined' ? { connect: false } : { path: stubSocketPath() }, makeState));
}

/** The socket path the contract stubs set for an app under a `paths.base`, if any. */
function stubSocketPath(): string | undefined {
	const path = (globalThis as Record<symbol, unknown>)[Symbol.for(SOCKET_PATH_GLOBAL)];
	return typeof path === 'string' ? path : undefined;
}
