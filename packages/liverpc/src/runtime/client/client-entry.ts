import { LiveClient, type ClientOptions } from './live-client.js';
import type { MakeState } from './reactive-state.js';
import type { ContractModuleCheck, LiveParams, Room } from './room-types.js';
import { serverRenderedRoom } from './server-rendered-room.js';
import { tabClientAccessor } from './tab-client.js';

/**
 * Opens a room on the tab's connection when `open` is called, and returns it. The Svelte
 * entry runs `open` untracked and ties the room to the reaction or component that asked.
 */
export type OpenOnTab = <R extends { leave(): void }>(open: () => R) => R;

/** What `live`, `getClient` and `createClient` of a `liverpc/client` entry do. */
export interface ClientEntry {
	/** Opens a room on the tab's shared connection; while a page renders on the server, a room that stays `joining`. */
	live<M extends object>(contract: M & NoInfer<ContractModuleCheck<M>>, ...params: LiveParams<M>): Room<M>;
	/** The tab's shared connection, made the first time it is asked for. */
	getClient(): LiveClient;
	/** A connection of its own. */
	createClient(options: ClientOptions): LiveClient;
}

/**
 * Builds the functions both entries of `liverpc/client` export, given how the entry keeps
 * state (`plainState`, or `$state` in Svelte) and how it opens a room on the tab's
 * connection. Each entry exports them under its own JSDoc.
 */
export function clientEntry(makeState: MakeState, openOnTab: OpenOnTab = (open) => open()): ClientEntry {
	const tabClient = tabClientAccessor(makeState);
	return {
		live<M extends object>(contract: M & NoInfer<ContractModuleCheck<M>>, ...params: LiveParams<M>): Room<M> {
			// Rendering on the server: nothing to join, and nothing may be kept per render.
			if (typeof window === 'undefined') return serverRenderedRoom(contract as M);
			return openOnTab(() => tabClient().live<M>(contract, ...params));
		},
		getClient: () => tabClient(),
		createClient: (options) => new LiveClient(options, makeState)
	};
}
