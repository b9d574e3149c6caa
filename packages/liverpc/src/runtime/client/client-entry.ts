import { LiveClient, type ClientOptions } from './live-client.js';
import { createLiveList, type LiveListOptions, type PagedLiveList } from './live-list.js';
import { createLiveValue, type LiveValue } from './live-value.js';
import type { MakeState } from './reactive-state.js';
import type { ContractModuleCheck, LiveSource, Room, RoomWithEvents } from './room-types.js';
import { serverRenderedRoom } from './server-rendered-room.js';
import { tabClientAccessor } from './tab-client.js';

/**
 * Opens a room on the tab's connection, or a collection of a room, when `open` is called,
 * and returns it. The Svelte entry runs `open` untracked and calls `end` with it when the
 * reaction or component that asked goes.
 */
export type OpenOwned = <R>(open: () => R, end: (opened: R) => void) => R;

/** What `live`, `liveList`, `liveValue`, `getClient` and `createClient` of a `liverpc/client` entry do. */
export interface ClientEntry {
	/** Opens a room on the tab's shared connection; while a page renders on the server, a room that stays `joining`. */
	live<M extends object>(contract: M & NoInfer<ContractModuleCheck<M>>, ...source: LiveSource<M>): Room<M>;
	/** A room's events of one kind as a list: keyed, ordered, the latest N, older pages on demand (typed by the entries). */
	liveList<Events, E extends keyof Events & string, K = never>(room: RoomWithEvents<Events>, event: E, options?: LiveListOptions<Events, E, K>): PagedLiveList<Events[E]>;
	/** The newest payload of one of a room's events. */
	liveValue<Events, E extends keyof Events & string>(room: RoomWithEvents<Events>, event: E): LiveValue<Events[E]>;
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
export function clientEntry(makeState: MakeState, openOwned: OpenOwned = (open) => open()): ClientEntry {
	const tabClient = tabClientAccessor(makeState);
	return {
		live<M extends object>(contract: M & NoInfer<ContractModuleCheck<M>>, ...source: LiveSource<M>): Room<M> {
			// Rendering on the server: nothing to join, and nothing may be kept per render.
			if (typeof window === 'undefined') return serverRenderedRoom(contract as M, source[0]);
			return openOwned(
				() => tabClient().live<M>(contract, ...source),
				(room) => room.leave()
			);
		},
		liveList<Events, E extends keyof Events & string, K = never>(room: RoomWithEvents<Events>, event: E, options?: LiveListOptions<Events, E, K>): PagedLiveList<Events[E]> {
			const open = () => createLiveList<Events[E], K>(makeState, room, event, options as LiveListOptions<Record<string, Events[E]>, string, K>);
			// On the server a collection follows nothing (its room gets no event) and needs no owner.
			if (typeof window === 'undefined') return open();
			return openOwned(open, (list) => list.stop());
		},
		liveValue<Events, E extends keyof Events & string>(room: RoomWithEvents<Events>, event: E): LiveValue<Events[E]> {
			const open = () => createLiveValue<Events[E]>(makeState, room, event);
			if (typeof window === 'undefined') return open();
			return openOwned(open, (value) => value.stop());
		},
		getClient: () => tabClient(),
		createClient: (options) => new LiveClient(options, makeState)
	};
}
