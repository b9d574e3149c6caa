import type { JoinEvent } from '../../shared/protocol.js';

// What one join delivers is bounded: a re-join whose `resume` named an event 2,000
// messages back once got a 4.3 MB reply that cost 88 ms of CPU, within the join rate. The
// events a join would deliver (the store's `history`, then the log's) are cut to the newest
// that fit in `maxJoinEvents` and `maxJoinBytes`: the page gets the latest part of the room,
// consistent with the live events that follow, and `resumed: false` says it got less.

/** The events a join (or a page of older events) delivers after the cap, and whether older ones were left out. */
export interface CappedJoinEvents<Event = JoinEvent> {
	events: Event[];
	capped: boolean;
}

/**
 * Keeps the newest of `events` (oldest first, the order a join delivers them) that fit in
 * `maxEvents` and in `maxBytes` of JSON, the size Socket.IO encodes them to. Only the events
 * looked at are measured, so the work is bounded by the cap, not by how many were asked for.
 * Throws what `JSON.stringify` throws (a cycle, a BigInt): such a reply could not be sent.
 *
 * @example
 * ```ts
 * const { events, capped } = newestJoinEvents(missed, limits.maxJoinEvents, limits.maxJoinBytes);
 * ack.resumed &&= !capped;
 * ```
 */
export function newestJoinEvents<Event = JoinEvent>(events: Event[], maxEvents: number, maxBytes: number): CappedJoinEvents<Event> {
	let first = Math.max(0, events.length - maxEvents);
	if (maxBytes !== Infinity) {
		let bytes = 0;
		let index = events.length - 1;
		for (; index >= first; index--) {
			// +1: the comma between two events of the array.
			bytes += Buffer.byteLength(JSON.stringify(events[index])) + 1;
			if (bytes > maxBytes) break;
		}
		first = index + 1;
	}
	if (first === 0) return { events, capped: false };
	return { events: events.slice(first), capped: true };
}
