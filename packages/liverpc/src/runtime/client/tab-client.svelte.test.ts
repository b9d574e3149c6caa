import { afterEach, expect, it } from 'vitest';
import { SOCKET_PATH_GLOBAL } from '../shared/protocol.js';
import { plainState } from './reactive-state.js';
import { tabClientAccessor } from './tab-client.js';

// In a page (a DOM here): the tab's client connects where the contract stubs say, which is
// under SvelteKit's paths.base when the app has one.
const pathKey = Symbol.for(SOCKET_PATH_GLOBAL);
afterEach(() => {
	delete (globalThis as Record<symbol, unknown>)[pathKey];
});

it('connects under the path the stubs set, and to /_liverpc without one', () => {
	(globalThis as Record<symbol, unknown>)[pathKey] = '/app/_liverpc';
	const underBase = tabClientAccessor(plainState)();
	expect(underBase.path).toBe('/app/_liverpc');
	underBase.close();

	delete (globalThis as Record<symbol, unknown>)[pathKey];
	const plain = tabClientAccessor(plainState)();
	expect(plain.path).toBe('/_liverpc');
	plain.close();
});
