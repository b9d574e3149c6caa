import { CLIENT_ERRORS, LiveError } from './live-error.js';
import { ROOM_FEED } from './room-feed.js';
import { readContractShape } from './room-handle.js';
import type { Room } from './room-types.js';

/**
 * What `live()` returns while a page renders on the server: a room that is `joining` and
 * stays so, with calls that reject and listeners that are never called. It creates no
 * client, channel or timer and is kept by nothing, so a server that renders the page a
 * million times holds nothing for it (a client made per render kept about 0.6 KB each).
 * The page joins for real when it hydrates, where `live()` runs again.
 */
export function serverRenderedRoom<M extends object>(contract: M): Room<M> {
	const { calls } = readContractShape(contract as Record<string, unknown>);
	const room: Record<string | symbol, unknown> = {
		status: 'joining',
		error: undefined,
		joined: undefined,
		resumed: true,
		presence: [],
		on: () => noop,
		leave: noop,
		// Collections made of it stay empty: no event reaches a page rendered on the server.
		[ROOM_FEED]: () => noop
	};
	for (const name of calls) room[name] = rejectDuringRendering;
	return room as unknown as Room<M>;
}

function noop(): void {}

function rejectDuringRendering(): Promise<never> {
	return Promise.reject(new LiveError(CLIENT_ERRORS.serverRendering));
}
