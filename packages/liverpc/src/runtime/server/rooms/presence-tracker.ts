import type { PresenceRow } from '../../shared/protocol.js';

/** What changed in one room's presence: rows to add or replace, ids to remove. */
export interface PresenceDiff {
	upserts: PresenceRow[];
	removals: string[];
}

interface Tracked {
	entry: unknown;
	/** Connection ids holding this entry; the entry goes with the last one. */
	connections: Set<string>;
}

/**
 * Who is in each room of this process: entries by id, each with the connections that
 * hold it. One entry per id, however many tabs: a user's second tab only raises the count.
 * Every change returns the diff for the room's members, and a joiner gets the whole list.
 */
export class PresenceTracker {
	#rooms = new Map<string, Map<string, Tracked>>();
	/** Room key → connection id → entry id, to untrack a connection without its entry. */
	#byConnection = new Map<string, Map<string, string>>();

	/** A connection's entry in a room; undefined when no count changed (the same connection again). */
	track(room: string, connection: string, id: string, entry: unknown): PresenceDiff | undefined {
		const previous = this.#byConnection.get(room)?.get(connection);
		// The same connection re-joined under another id (its locals changed): its old entry
		// loses this connection first.
		const moved = previous !== undefined && previous !== id ? this.untrack(room, connection) : undefined;
		let entries = this.#rooms.get(room);
		if (!entries) this.#rooms.set(room, (entries = new Map()));
		let tracked = entries.get(id);
		if (!tracked) entries.set(id, (tracked = { entry, connections: new Set() }));
		const sizeBefore = tracked.connections.size;
		// The latest join's entry is kept; it is sent with the next change of its count.
		tracked.entry = entry;
		tracked.connections.add(connection);
		let connections = this.#byConnection.get(room);
		if (!connections) this.#byConnection.set(room, (connections = new Map()));
		connections.set(connection, id);
		if (tracked.connections.size === sizeBefore && !moved) return undefined;
		return { upserts: [...(moved?.upserts ?? []), [id, entry, tracked.connections.size]], removals: moved?.removals ?? [] };
	}

	/** A connection left the room; undefined when it held no entry there. */
	untrack(room: string, connection: string): PresenceDiff | undefined {
		const connections = this.#byConnection.get(room);
		const id = connections?.get(connection);
		if (id === undefined) return undefined;
		connections!.delete(connection);
		if (connections!.size === 0) this.#byConnection.delete(room);
		const entries = this.#rooms.get(room)!;
		const tracked = entries.get(id)!;
		tracked.connections.delete(connection);
		if (tracked.connections.size > 0) return { upserts: [[id, tracked.entry, tracked.connections.size]], removals: [] };
		entries.delete(id);
		if (entries.size === 0) this.#rooms.delete(room);
		return { upserts: [], removals: [id] };
	}

	/** One entry's row as it stands, or undefined when nobody holds it. */
	row(room: string, id: string): PresenceRow | undefined {
		const tracked = this.#rooms.get(room)?.get(id);
		return tracked ? [id, tracked.entry, tracked.connections.size] : undefined;
	}

	/** The entry id a connection holds in a room, if any. */
	entryOf(room: string, connection: string): string | undefined {
		return this.#byConnection.get(room)?.get(connection);
	}

	/** Everyone in a room, in the order they arrived. */
	list(room: string): PresenceRow[] {
		const rows: PresenceRow[] = [];
		for (const [id, tracked] of this.#rooms.get(room) ?? []) rows.push([id, tracked.entry, tracked.connections.size]);
		return rows;
	}

	/** Every connection whose id starts with `prefix`, as `[room, connection, entry id, entry]`. */
	connectionsStartingWith(prefix: string): Array<[room: string, connection: string, id: string, entry: unknown]> {
		const found: Array<[string, string, string, unknown]> = [];
		for (const [room, connections] of this.#byConnection) {
			for (const [connection, id] of connections) {
				if (connection.startsWith(prefix)) found.push([room, connection, id, this.#rooms.get(room)!.get(id)!.entry]);
			}
		}
		return found;
	}

	/** The connections holding an entry in a room. */
	connectionsIn(room: string): string[] {
		return [...(this.#byConnection.get(room)?.keys() ?? [])];
	}
}
