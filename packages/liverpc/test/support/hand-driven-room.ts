import { ROOM_FEED, ROOM_HISTORY, type RoomFeedListener } from '../../src/runtime/client/room-feed.js';
import type { HistoryPage } from '../../src/runtime/shared/protocol.js';

/** A page request a hand-driven room received: answer it with `resolve` or `reject`. */
export interface AskedPage {
	event: string;
	before: string | number;
	limit: number;
	resolve(page: HistoryPage): void;
	reject(problem: unknown): void;
}

/**
 * A room handle's feed driven by hand, for the unit tests of live collections: joins and
 * events reach the collections as a room channel delivers them, with no socket.
 */
export function handDrivenRoom() {
	const followers = new Set<RoomFeedListener>();
	/** Pages asked for by `loadEarlier()`, oldest request first, each answered by the test. */
	const pages: AskedPage[] = [];
	return {
		pages,
		[ROOM_HISTORY](event: string, before: string | number, limit: number): Promise<HistoryPage> {
			return new Promise((resolve, reject) => void pages.push({ event, before, limit, resolve, reject }));
		},
		[ROOM_FEED](follower: RoomFeedListener) {
			followers.add(follower);
			return () => followers.delete(follower);
		},
		/** `continued`: the events of which this join holds one the room delivered before. */
		joined(resumed = true, continued: string[] = []) {
			for (const follower of followers) follower.joined(resumed, new Set(continued));
		},
		emit(name: string, payload: unknown, seen = false, id?: string | number) {
			for (const follower of followers) follower.event(name, payload, seen, id);
		},
		/** How many collections follow the room now. */
		get followers() {
			return followers.size;
		}
	};
}
