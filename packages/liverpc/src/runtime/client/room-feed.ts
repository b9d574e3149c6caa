import type { HistoryPage } from '../shared/protocol.js';

/**
 * What a room handle tells a live collection, besides what `room.on()` listeners get: where
 * each (re-)join's events begin and whether it resumed, and the events a join delivers again.
 * Keyed by a symbol so that it is no part of a room's typed surface.
 */
export const ROOM_FEED: unique symbol = Symbol.for('liverpc.roomFeed');

/** One follower of a room's events, in the order the room delivers them. */
export interface RoomFeedListener {
	/**
	 * A join's answer arrived, before its events. `resumed` false: it could not give every
	 * event missed since the last one. `continued` names the events of which this join holds
	 * one the room delivered before: for those the join's events carry on from what the page
	 * has (a history is asked from a little before the last event, and a join cut to its
	 * newest events may still reach back that far), so there is no hole for them even then.
	 * Scaled out, an event stored earlier may come first and be new: any one seen counts.
	 */
	joined(resumed: boolean, continued: ReadonlySet<string>): void;
	/**
	 * One event. `seen`: a join's answer holds it again, though the room delivered it before
	 * (its `history` is asked from a little before the last one); `room.on()` skips those, and
	 * a collection rebuilt after a join that did not resume needs them. `id`: the event's id,
	 * for an event declared with `id` (a list asks for the events before its oldest one).
	 */
	event(name: string, payload: unknown, seen: boolean, id: string | number | undefined): void;
}

/** The key under which a room handle reads pages of older events for its collections. */
export const ROOM_HISTORY: unique symbol = Symbol.for('liverpc.roomHistory');

/** A room handle as a collection reads it: the feed, registered under {@link ROOM_FEED}. */
export interface RoomFeedSource {
	[ROOM_FEED](listener: RoomFeedListener): () => void;
	/**
	 * Reads a page of the room's older events of one kind, those before the event id
	 * `before`, from the event's `history` on the server. Absent on a room that never
	 * connects (one rendered on the server).
	 */
	[ROOM_HISTORY]?(event: string, before: string | number, limit: number): Promise<HistoryPage>;
}

/** The feed of a room handle from `live()`; throws for anything else, saying what was expected. */
export function roomFeedOf(room: unknown, caller: string): RoomFeedSource {
	if (typeof room === 'object' && room !== null && typeof (room as Partial<RoomFeedSource>)[ROOM_FEED] === 'function') return room as RoomFeedSource;
	throw new TypeError(`${caller}() takes a room from live(): const room = live(chat, params)`);
}
