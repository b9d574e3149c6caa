import { ROOM_FEED, type RoomFeedListener } from '../../src/runtime/client/room-feed.js';

/**
 * A room handle's feed driven by hand, for the unit tests of live collections: joins and
 * events reach the collections as a room channel delivers them, with no socket.
 */
export function handDrivenRoom() {
	const followers = new Set<RoomFeedListener>();
	return {
		[ROOM_FEED](follower: RoomFeedListener) {
			followers.add(follower);
			return () => followers.delete(follower);
		},
		/** `continued`: the events of which this join holds one the room delivered before. */
		joined(resumed = true, continued: string[] = []) {
			for (const follower of followers) follower.joined(resumed, new Set(continued));
		},
		emit(name: string, payload: unknown, seen = false) {
			for (const follower of followers) follower.event(name, payload, seen);
		},
		/** How many collections follow the room now. */
		get followers() {
			return followers.size;
		}
	};
}
