import type { PresenceRow } from '../shared/protocol.js';
import type { RenderedRoomData } from '../shared/rendered-room.js';
import { CLIENT_ERRORS, LiveError } from './live-error.js';
import type { PresenceListEntry } from './room-channel.js';
import { ROOM_FEED, type RoomFeedListener } from './room-feed.js';
import { readContractShape } from './room-handle.js';
import { renderedRoomOf } from './rendered-room-source.js';
import type { Room } from './room-types.js';

const NOTHING_CONTINUED: ReadonlySet<string> = new Set();

/**
 * What `live()` returns while a page renders on the server: a room that is `joining` and
 * stays so, with calls that reject. It creates no client, channel or timer and is kept by
 * nothing, so a server that renders the page a million times holds nothing for it (a client
 * made per render kept about 0.6 KB each). The page joins for real when it hydrates, where
 * `live()` runs again.
 *
 * Given the room `loadRoom()` read for this render, it shows that: the join's reply and
 * presence, or its refusal, and collections made of it list the join's events, so the first
 * HTML has them. Without it, it is empty.
 */
export function serverRenderedRoom<M extends object>(contract: M, given?: unknown): Room<M> {
	const { route, calls } = readContractShape(contract as Record<string, unknown>);
	const rendered = renderedRoomOf(given, route);
	const join = rendered?.join;
	const room: Record<string | symbol, unknown> = {
		status: rendered?.error ? 'rejected' : 'joining',
		error: rendered?.error,
		joined: join?.reply,
		resumed: join?.resumed ?? true,
		presence: join?.presence ? presenceEntries(join.presence) : [],
		on: () => noop,
		leave: noop,
		[ROOM_FEED]: (follower: RoomFeedListener) => {
			if (join) replayRendered(join, follower);
			return noop;
		}
	};
	for (const name of calls) room[name] = rejectDuringRendering;
	return room as unknown as Room<M>;
}

/** Hands a collection the rendered join's events, as the browser's room will. */
function replayRendered(join: NonNullable<RenderedRoomData['join']>, follower: RoomFeedListener): void {
	follower.joined(true, NOTHING_CONTINUED);
	for (const [name, payload, , id] of join.events) follower.event(name, payload, false, id);
}

function presenceEntries(rows: PresenceRow[]): PresenceListEntry[] {
	return rows.map(([, entry, connections]) => ({ ...(entry as Record<string, unknown>), connections }));
}

function noop(): void {}

function rejectDuringRendering(): Promise<never> {
	return Promise.reject(new LiveError(CLIENT_ERRORS.serverRendering));
}
