import type { PresenceRow } from '../../shared/protocol.js';

/** What a batch needs to read from the tracker at flush time. */
export interface PresenceReader {
	/** The entry's row as it stands now, or undefined when it is gone. */
	row(room: string, id: string): PresenceRow | undefined;
}

/** One entry changed during the current window, and what the members may hold of it. */
interface Touched {
	/** Some member holds it as absent (it was, when they last heard of it). */
	knownAbsent: boolean;
	/** The one row members hold of it, or `MANY` when they hold different ones. */
	knownRow: PresenceRow | typeof MANY | undefined;
	/** It was gone at some point in the window: re-added, it goes to the end of the list. */
	removed: boolean;
}

const MANY = Symbol('many rows');

/**
 * Presence changes coalesced per room: one user cycling joins on 10 connections made
 * every member receive one PRESENCE packet per join and per leave (191/s measured). Changes
 * are noted here and sent at most once per room per window (`1000 / presenceUpdatesPerSecond`
 * ms, default 50 ms), as the net difference: each entry touched goes as its row as it stands
 * at the flush, or as a removal, unless every member already holds it as it stands (an entry
 * that came and went within the window goes not at all). Rows are read from the tracker at
 * the flush, so the members converge on exactly its list whatever happened in between.
 *
 * What members hold of an entry: those there when it was first touched in the window hold it
 * as it was then; a joiner, as it was when its join ack listed the room. Both are noted.
 *
 * @example
 * ```ts
 * const batches = new PresenceBatches(tracker, (room) => io.of('/').adapter.rooms.has(room), (room, upserts, removals) => io.to(room).emit(PRESENCE, room, upserts, removals), () => 50);
 * const before = tracker.row('room-1', 'alice');
 * tracker.track('room-1', 'socket-1', 'alice', { id: 'alice' });
 * batches.changed('room-1', 'alice', before);
 * ```
 */
export class PresenceBatches {
	#reader: PresenceReader;
	#hasMembers: (room: string) => boolean;
	#send: (room: string, upserts: PresenceRow[], removals: string[]) => void;
	#window: () => number;
	#pending = new Map<string, Map<string, Touched>>();
	#timer: ReturnType<typeof setTimeout> | undefined;

	/** @param window ms between two packets of a room; read at each window's start, so an edited option applies */
	constructor(
		reader: PresenceReader,
		hasMembers: (room: string) => boolean,
		send: (room: string, upserts: PresenceRow[], removals: string[]) => void,
		window: () => number
	) {
		this.#reader = reader;
		this.#hasMembers = hasMembers;
		this.#send = send;
		this.#window = window;
	}

	/** Notes that entry `id` of `room` changed; `before`: its row just before (undefined: absent). */
	changed(room: string, id: string, before: PresenceRow | undefined): void {
		let entries = this.#pending.get(room);
		if (!entries) this.#pending.set(room, (entries = new Map()));
		let touched = entries.get(id);
		if (!touched) {
			entries.set(id, (touched = { knownAbsent: false, knownRow: undefined, removed: false }));
			// The members there now hold it as it was before this change (a joiner is not in
			// the room yet when its own entry is tracked).
			if (this.#hasMembers(room)) know(touched, before);
		}
		if (!this.#reader.row(room, id)) touched.removed = true;
		this.#timer ??= this.#schedule();
	}

	/** A joiner was given the room's whole list now: it holds each touched entry as it stands. */
	listed(room: string): void {
		const entries = this.#pending.get(room);
		if (!entries) return;
		for (const [id, touched] of entries) know(touched, this.#reader.row(room, id));
	}

	/** Sends every room's net change now (a window ended). */
	flush(): void {
		clearTimeout(this.#timer);
		this.#timer = undefined;
		const pending = this.#pending;
		this.#pending = new Map();
		for (const [room, entries] of pending) {
			const upserts: PresenceRow[] = [];
			const removals: string[] = [];
			for (const [id, touched] of entries) {
				const row = this.#reader.row(room, id);
				const { knownAbsent, knownRow } = touched;
				if (!row) {
					if (knownRow !== undefined) removals.push(id);
				} else if (knownAbsent || knownRow === MANY || (knownRow !== undefined && !sameRow(knownRow, row))) {
					// Gone and back: removed first, so it moves to the end as in the server's list.
					if (touched.removed && knownRow !== undefined) removals.push(id);
					upserts.push(row);
				}
			}
			if (upserts.length > 0 || removals.length > 0) this.#send(room, upserts, removals);
		}
	}

	#schedule(): ReturnType<typeof setTimeout> {
		const timer = setTimeout(() => this.flush(), this.#window());
		(timer as { unref?: () => void }).unref?.();
		return timer;
	}
}

/** Notes that some member holds `row` of an entry (undefined: holds it as absent). */
function know(touched: Touched, row: PresenceRow | undefined): void {
	if (!row) touched.knownAbsent = true;
	else if (touched.knownRow === undefined) touched.knownRow = row;
	else if (touched.knownRow !== MANY && !sameRow(touched.knownRow, row)) touched.knownRow = MANY;
}

/** The same entry object with the same count: what a member holds needs no packet. */
function sameRow(a: PresenceRow, b: PresenceRow): boolean {
	return a[1] === b[1] && a[2] === b[2];
}
