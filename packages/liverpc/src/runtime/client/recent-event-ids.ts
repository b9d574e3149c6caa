/** An event's id, as `event({ id })` declares it: a store's autoincrement, a ULID. */
export type EventIdValue = string | number;

/**
 * How many of the latest ids of each event a room remembers. Scaled out, the room's order
 * is the order Redis heard the events in, which need not be the store's: an event stored
 * earlier may be announced after later ones (two processes storing at the same moment, or
 * one that held its events while Redis was away). Asking the store for what follows the
 * oldest of the latest ids, rather than the last one, still finds such an event after a
 * gap; the ones the page has already are dropped by their ids.
 */
const REMEMBERED = 256;

/**
 * The latest ids a room delivered of each event declared with `id`: what it tells the
 * server on a re-join (so the event's `history` fills the gap), and what it has already
 * (so an event the history returns again is not delivered twice).
 */
export class RecentEventIds {
	#byName = new Map<string, { ring: EventIdValue[]; next: number; set: Set<EventIdValue> }>();

	/** Notes a delivered event's id. */
	add(name: string, id: EventIdValue): void {
		let recent = this.#byName.get(name);
		if (!recent) this.#byName.set(name, (recent = { ring: [], next: 0, set: new Set() }));
		if (recent.set.has(id)) return;
		if (recent.ring.length < REMEMBERED) recent.ring.push(id);
		else {
			recent.set.delete(recent.ring[recent.next]!);
			recent.ring[recent.next] = id;
			recent.next = (recent.next + 1) % REMEMBERED;
		}
		recent.set.add(id);
	}

	/** Whether the room delivered this event already (among the latest it remembers). */
	has(name: string, id: EventIdValue): boolean {
		return this.#byName.get(name)?.set.has(id) ?? false;
	}

	/** Per event: the oldest of its latest ids in the store's order, for the events' `history`; undefined before any. */
	floors(): Record<string, EventIdValue> | undefined {
		let floors: Record<string, EventIdValue> | undefined;
		for (const [name, { ring }] of this.#byName) {
			let lowest = ring[0]!;
			for (const id of ring) if (before(id, lowest)) lowest = id;
			(floors ??= {})[name] = lowest;
		}
		return floors;
	}
}

/** The store's order: numbers by value, strings (ULIDs, padded keys) by their characters. */
function before(a: EventIdValue, b: EventIdValue): boolean {
	if (typeof a === 'number' && typeof b === 'number') return a < b;
	return String(a) < String(b);
}
