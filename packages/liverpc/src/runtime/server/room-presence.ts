import type { Server, Socket } from 'socket.io';
import { PRESENCE } from '../shared/protocol.js';
import { membershipsOf, type Membership } from './connection-state.js';
import { PresenceTracker, type PresenceDiff } from './presence-tracker.js';

/** Where this process's presence changes go besides its own members: Redis, when scaled out. */
export interface PresenceRelay {
	tracked(room: string, connection: string, id: string, entry: unknown): void;
	untracked(room: string, connection: string): void;
}

/**
 * The presence of every room this process has members in: the tracker, and how its changes
 * reach the members of a room, as one PRESENCE packet per change (a diff, never the whole
 * list).
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

	/** @param processId names this process's connections, scaled out; empty for one process */
	constructor(io: Server, processId = '', relay?: PresenceRelay) {
		this.#io = io;
		this.#relay = relay;
		this.#prefix = processId === '' ? '' : `${processId}:`;
	}

	/** A membership with presence began: its entry, for every member. */
	join(socket: Socket, room: string, id: string, entry: unknown): void {
		const connection = this.#prefix + socket.id;
		this.#publishLocally(room, this.#tracker.track(room, connection, id, entry));
		this.#relay?.tracked(room, connection, id, entry);
	}

	/** A membership ended (left, refused its reply, or its connection closed). */
	leave(socket: Socket, membership: Membership): void {
		if (!membership.contract.presence) return;
		const connection = this.#prefix + socket.id;
		const diff = this.#tracker.untrack(membership.key, connection);
		if (!diff) return;
		this.#publishLocally(membership.key, diff);
		this.#relay?.untracked(membership.key, connection);
	}

	/** A connection closed: each of its rooms with presence loses it. */
	disconnected(socket: Socket): void {
		for (const membership of membershipsOf(socket)) this.leave(socket, membership);
	}

	/** Everyone in a room, every process's members included. */
	list(room: string) {
		return this.#tracker.list(room);
	}

	/** Whether a connection name is one of this process's. */
	isOwn(connection: string): boolean {
		return connection.startsWith(this.#prefix);
	}

	/** An entry of another process's connection, as Redis reported it. */
	remoteTracked(room: string, connection: string, id: string, entry: unknown): void {
		if (this.isOwn(connection)) return;
		this.#publishLocally(room, this.#tracker.track(room, connection, id, entry));
	}

	/** Another process's connection left a room, as Redis reported it. */
	remoteUntracked(room: string, connection: string): void {
		if (this.isOwn(connection)) return;
		this.#publishLocally(room, this.#tracker.untrack(room, connection));
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

	/** Sends this process's members of a room what changed. */
	#publishLocally(room: string, diff: PresenceDiff | undefined): void {
		if (diff) this.#io.local.to(room).emit(PRESENCE, room, diff.upserts, diff.removals);
	}
}
