import type { Server, Socket } from 'socket.io';
import { PRESENCE } from '../../shared/protocol.js';
import { membershipsOf, type Membership } from '../gate/connection-state.js';
import { DEFAULT_LIMITS } from '../options/live-options.js';
import { PresenceBatches } from './presence-batch.js';
import { PresenceTracker, type PresenceDiff } from './presence-tracker.js';

/** Where this process's presence changes go besides its own members: Redis, when scaled out. */
export interface PresenceRelay {
	tracked(room: string, connection: string, id: string, entry: unknown): void;
	untracked(room: string, connection: string): void;
}

/**
 * The presence of every room this process has members in: the tracker, and how its changes
 * reach the members of a room: at most `presenceUpdatesPerSecond` PRESENCE packets per room,
 * each the net change of its window (a diff, never the whole list), or one per change
 * when that limit is `Infinity`.
 *
 * Scaled out, a connection is named `<process id>:<socket id>`. This process's own changes
 * apply here at once and go to Redis through the relay; the other processes' come back from
 * Redis (`remote…`), for the rooms this process follows.
 */
export class RoomPresences {
	#tracker = new PresenceTracker();
	#io: Server;
	#relay: PresenceRelay | undefined;
	#prefix: string;
	#rate: () => number;
	#batches: PresenceBatches;

	/**
	 * @param processId names this process's connections, scaled out; empty for one process
	 * @param rate PRESENCE packets per room per second (`limits.presenceUpdatesPerSecond`), read on each change
	 */
	constructor(io: Server, processId = '', relay?: PresenceRelay, rate: () => number = () => DEFAULT_LIMITS.presenceUpdatesPerSecond) {
		this.#io = io;
		this.#relay = relay;
		this.#prefix = processId === '' ? '' : `${processId}:`;
		this.#rate = rate;
		const socketRooms = io.of('/').adapter.rooms;
		this.#batches = new PresenceBatches(
			this.#tracker,
			(room) => (socketRooms.get(room)?.size ?? 0) > 0,
			(room, upserts, removals) => this.#io.local.to(room).emit(PRESENCE, room, upserts, removals),
			() => 1000 / this.#rate()
		);
	}

	/** A membership with presence began: its entry, for every member. */
	join(socket: Socket, room: string, id: string, entry: unknown): void {
		const connection = this.#prefix + socket.id;
		this.#track(room, connection, id, entry);
		this.#relay?.tracked(room, connection, id, entry);
	}

	/** A membership ended (left, refused its reply, or its connection closed). */
	leave(socket: Socket, membership: Membership): void {
		if (!membership.contract.presence) return;
		const connection = this.#prefix + socket.id;
		if (!this.#untrack(membership.key, connection)) return;
		this.#relay?.untracked(membership.key, connection);
	}

	/** A connection closed: each of its rooms with presence loses it. */
	disconnected(socket: Socket): void {
		for (const membership of membershipsOf(socket)) this.leave(socket, membership);
	}

	/** Everyone in a room, every process's members included. */
	list(room: string) {
		// A joiner's list, mid-window: what it holds must be corrected by the next packet.
		this.#batches.listed(room);
		return this.#tracker.list(room);
	}

	/**
	 * Everyone in a room now, for a page's server render: unlike {@link list} it asks no
	 * correction from the next batch, since the page's browser gets the whole list when it joins.
	 */
	peek(room: string) {
		return this.#tracker.list(room);
	}

	/** Whether a connection name is one of this process's. */
	isOwn(connection: string): boolean {
		return connection.startsWith(this.#prefix);
	}

	/** An entry of another process's connection, as Redis reported it. */
	remoteTracked(room: string, connection: string, id: string, entry: unknown): void {
		if (this.isOwn(connection)) return;
		this.#track(room, connection, id, entry);
	}

	/** Another process's connection left a room, as Redis reported it. */
	remoteUntracked(room: string, connection: string): void {
		if (this.isOwn(connection)) return;
		this.#untrack(room, connection);
	}

	/**
	 * The other processes' entries of a room as Redis holds them now (after this process
	 * followed the room, or Redis came back): what differs from what was known is published.
	 */
	remoteSnapshot(room: string, rows: ReadonlyArray<[connection: string, id: string, entry: unknown]>): void {
		const current = new Set<string>();
		for (const [connection, id, entry] of rows) {
			if (this.isOwn(connection)) continue;
			current.add(connection);
			this.remoteTracked(room, connection, id, entry);
		}
		for (const connection of this.#tracker.connectionsIn(room)) {
			if (!this.isOwn(connection) && !current.has(connection)) this.remoteUntracked(room, connection);
		}
	}

	/** This process no longer follows the room (no member here): the others' entries go. */
	forgetRemote(room: string): void {
		for (const connection of this.#tracker.connectionsIn(room)) if (!this.isOwn(connection)) this.#tracker.untrack(room, connection);
	}

	/** This process's entries, `[room, connection, id, entry]`: written again after Redis lost them. */
	ownEntries(): Array<[room: string, connection: string, id: string, entry: unknown]> {
		return this.#tracker.connectionsStartingWith(this.#prefix);
	}

	/** Tracks a connection's entry and lets this process's members know; whether anything changed. */
	#track(room: string, connection: string, id: string, entry: unknown): boolean {
		if (this.#rate() === Infinity) return this.#publishLocally(room, this.#tracker.track(room, connection, id, entry));
		const previous = this.#tracker.entryOf(room, connection);
		const moved = previous !== undefined && previous !== id ? previous : undefined;
		const previousRow = moved === undefined ? undefined : this.#tracker.row(room, moved);
		const before = this.#tracker.row(room, id);
		if (!this.#tracker.track(room, connection, id, entry)) return false;
		// Re-joined under another id: its old entry lost this connection, in the same window.
		if (moved !== undefined) this.#batches.changed(room, moved, previousRow);
		this.#batches.changed(room, id, before);
		return true;
	}

	/** Untracks a connection and lets this process's members know; whether it held an entry. */
	#untrack(room: string, connection: string): boolean {
		if (this.#rate() === Infinity) return this.#publishLocally(room, this.#tracker.untrack(room, connection));
		const id = this.#tracker.entryOf(room, connection);
		const before = id === undefined ? undefined : this.#tracker.row(room, id);
		if (id === undefined || !this.#tracker.untrack(room, connection)) return false;
		this.#batches.changed(room, id, before);
		return true;
	}

	/** Sends this process's members of a room what changed, at once (no coalescing). */
	#publishLocally(room: string, diff: PresenceDiff | undefined): boolean {
		if (!diff) return false;
		this.#io.local.to(room).emit(PRESENCE, room, diff.upserts, diff.removals);
		return true;
	}
}
