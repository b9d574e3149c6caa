import { contractIdentityOf } from '../shared/contract-marker.js';
import type { ErrorBody, HistoryPage } from '../shared/protocol.js';
import { CLIENT_ERRORS, LiveError } from './live-error.js';
import type { PresenceListEntry, RoomChannel } from './room-channel.js';
import { ROOM_FEED, ROOM_HISTORY, type RoomFeedListener } from './room-feed.js';
import type { RoomStatus } from './room-types.js';

/** Route id and call names of a contract module (real on the server, a stub in the browser). */
export interface ContractShape {
	route: string;
	calls: string[];
}

/**
 * Reads what the client needs from a `.socket.ts` module: every export that carries a
 * contract marker. Throws when the module is not a registered or stubbed contract.
 */
export function readContractShape(module: Record<string, unknown>): ContractShape {
	let route: string | undefined;
	const calls: string[] = [];
	for (const [name, value] of Object.entries(module)) {
		const identity = contractIdentityOf(value);
		if (!identity) continue;
		if (identity.route === undefined) {
			throw new Error(
				`live(): export '${name}' has no route id yet. In a page the Vite plugin gives it: is liverpc() from 'liverpc/vite' in vite.config plugins, after sveltekit()? In Node, attach the contract to a server first.`
			);
		}
		route ??= identity.route;
		if (identity.kind === 'call') calls.push(name);
	}
	if (route === undefined) throw new Error('live() takes a room contract module: import * as chat from "./chat.socket"');
	return { route, calls };
}

/**
 * What `live()` returns: a view on a shared {@link RoomChannel} with its own event
 * listeners, released by `leave()`. Call methods are own properties, one per call export.
 */
export class RoomHandle {
	#channel: RoomChannel;
	#listeners = new Map<string, Set<(payload: unknown) => void>>();
	/** The live collections made of this handle. */
	#feed = new Set<RoomFeedListener>();
	#release: () => void;
	#left = false;

	constructor(channel: RoomChannel, calls: string[]) {
		this.#channel = channel;
		this.#release = channel.retain({
			joined: (resumed, continued) => {
				for (const follower of this.#feed) follower.joined(resumed, continued);
			},
			// A page's listener (or a collection's key function) that throws must not cost the
			// others, or the rest of a join's events, their delivery: it is reported, and
			// delivery goes on. No closure per event: this runs for every event of the room.
			event: (name, payload, seen, id) => {
				for (const follower of this.#feed) {
					try {
						follower.event(name, payload, seen, id);
					} catch (thrown) {
						reportThrow(name, thrown);
					}
				}
				// What the room delivered before: a listener has had it.
				if (seen) return;
				const listeners = this.#listeners.get(name);
				if (!listeners) return;
				for (const listener of listeners) {
					try {
						listener(payload);
					} catch (thrown) {
						reportThrow(name, thrown);
					}
				}
			}
		});
		for (const name of calls) {
			Object.defineProperty(this, name, {
				enumerable: true,
				value: (input?: unknown) => channel.call(name, input)
			});
		}
	}

	get status(): RoomStatus {
		return this.#left ? 'closed' : this.#channel.state.status;
	}

	get error(): ErrorBody | undefined {
		return this.#channel.state.error;
	}

	get joined(): unknown {
		return this.#channel.state.joined;
	}

	get resumed(): boolean {
		return this.#channel.state.resumed;
	}

	get presence(): readonly PresenceListEntry[] {
		return this.#channel.state.presence;
	}

	on(name: string, listener: (payload: unknown) => void): () => void {
		let listeners = this.#listeners.get(name);
		if (!listeners) this.#listeners.set(name, (listeners = new Set()));
		listeners.add(listener);
		return () => listeners.delete(listener);
	}

	/** Follows the room's joins and events, for a live collection; returns a function that stops it. */
	[ROOM_FEED](follower: RoomFeedListener): () => void {
		if (this.#left) return noop;
		this.#feed.add(follower);
		// The room's recent events first (the render's or the last join's, and the live ones
		// since): a collection made after they came still starts from them.
		this.#channel.replayTo({
			joined: (resumed, continued) => follower.joined(resumed, continued),
			event: (name, payload, seen, id) => {
				try {
					follower.event(name, payload, seen, id);
				} catch (thrown) {
					reportThrow(name, thrown);
				}
			}
		});
		return () => this.#feed.delete(follower);
	}

	/** Reads a page of older events for a live collection of this handle. */
	[ROOM_HISTORY](event: string, before: string | number, limit: number): Promise<HistoryPage> {
		if (this.#left) return Promise.reject(new LiveError(CLIENT_ERRORS.closed));
		return this.#channel.history(event, before, limit);
	}

	leave(): void {
		if (this.#left) return;
		this.#left = true;
		this.#listeners.clear();
		this.#feed.clear();
		this.#release();
	}
}

function reportThrow(name: string, thrown: unknown): void {
	console.error(`[liverpc] a listener of '${name}' threw:`, thrown);
}

function noop(): void {}
