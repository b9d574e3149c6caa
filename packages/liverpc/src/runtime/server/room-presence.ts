import type { Server, Socket } from 'socket.io';
import { PRESENCE } from '../shared/protocol.js';
import { membershipsOf, type Membership } from './connection-state.js';
import { PresenceTracker, type PresenceDiff } from './presence-tracker.js';

/**
 * The presence of every room of one server (#12): the tracker, and how its changes reach the
 * members of a room, as one PRESENCE packet per change (a diff, never the whole list).
 */
export class RoomPresences {
	readonly tracker = new PresenceTracker();
	#io: Server;

	constructor(io: Server) {
		this.#io = io;
	}

	/** Sends a room's members what changed. */
	publish(room: string, diff: PresenceDiff | undefined): void {
		if (diff) this.#io.to(room).emit(PRESENCE, room, diff.upserts, diff.removals);
	}

	/** A membership ended (left, refused its reply, or its connection closed). */
	leave(socket: Socket, membership: Membership): void {
		if (membership.contract.presence) this.publish(membership.key, this.tracker.untrack(membership.key, socket.id));
	}

	/** A connection closed: each of its rooms with presence loses it. */
	disconnected(socket: Socket): void {
		for (const membership of membershipsOf(socket)) this.leave(socket, membership);
	}
}
