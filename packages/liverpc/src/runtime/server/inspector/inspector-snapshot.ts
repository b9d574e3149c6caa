import type { Server } from 'socket.io';
import type { PresenceRow } from '../../shared/protocol.js';
import type { MemberEvent } from '../contract/types.js';
import { connectionData, membershipsOf } from '../gate/connection-state.js';
import { describeValue } from './value-shape.js';

/** At most this many connections and rooms are listed: a dev server under a load script stays readable. */
const MAX_LISTED = 100;

/** One live connection as the inspector lists it. */
export interface InspectedConnection {
	id: string;
	/** When its Engine.IO session was opened (Date.now()). */
	since: number;
	transport: string;
	/** Its `locals`: their shape (values replaced by types) unless values are shown. */
	locals: unknown;
	/** The concrete rooms it is a member of, e.g. `rooms/42/chat`. */
	rooms: string[];
}

/** One room with members in this process. */
export interface InspectedRoom {
	/** `route#room`, what events are addressed with. */
	key: string;
	route: string;
	room: string;
	/** Each member connection and what its join guard admitted it as (shaped as `locals` are). */
	members: Array<{ connectionId: string; member: unknown }>;
	/** The room's presence entries as every member sees them (so shown as they are). */
	presence: Array<{ id: string; entry: unknown; connections: number }>;
}

/** What a dev server holds now: its connections and rooms. */
export interface InspectorSnapshot {
	connections: InspectedConnection[];
	rooms: InspectedRoom[];
	/** The counts before {@link MAX_LISTED} cut the lists. */
	totals: { connections: number; rooms: number };
	/** Whether `locals` (and members) are shown with their values. */
	localsShown: boolean;
}

/**
 * Reads the connections and rooms of one server now. Run only while an inspector page is
 * open, at most every tick of the feed: it walks every connection.
 *
 * @param presence a room's presence rows (`RoomPresences.peek`, which asks nothing of the batching)
 */
export function takeSnapshot(io: Server, presence: (key: string) => PresenceRow[], showLocals: boolean): InspectorSnapshot {
	const connections: InspectedConnection[] = [];
	const rooms = new Map<string, InspectedRoom>();
	const keys = new Set<string>();
	const sockets = io.of('/').sockets;
	for (const socket of sockets.values()) {
		const memberships = membershipsOf(socket);
		for (const membership of memberships) {
			keys.add(membership.key);
			let room = rooms.get(membership.key);
			if (!room && rooms.size < MAX_LISTED) {
				room = { key: membership.key, route: membership.contract.pattern.id, room: membership.event.room, members: [], presence: [] };
				rooms.set(membership.key, room);
			}
			if (room && room.members.length < MAX_LISTED) {
				room.members.push({ connectionId: socket.id, member: describeValue((membership.event as Partial<MemberEvent>).member, showLocals) });
			}
		}
		if (connections.length >= MAX_LISTED) continue;
		connections.push({
			id: socket.id,
			since: socket.handshake.issued,
			transport: socket.conn.transport.name,
			locals: describeValue(connectionData(socket).locals, showLocals),
			rooms: memberships.map((membership) => membership.event.room)
		});
	}
	for (const room of rooms.values()) {
		room.presence = presence(room.key)
			.slice(0, MAX_LISTED)
			.map(([id, entry, count]) => ({ id, entry: describeValue(entry, true), connections: count }));
	}
	return { connections, rooms: [...rooms.values()], totals: { connections: sockets.size, rooms: keys.size }, localsShown: showLocals };
}
