import type { Socket } from 'socket.io';
import type { RoomContract } from '../contract/contract-registry.js';
import type { SocketEvent } from '../contract/types.js';

/** One joined room of one connection: the event its handlers see and where it routes. */
export interface Membership {
	event: SocketEvent;
	/** The Socket.IO room key (`route#room`) events are addressed with. */
	key: string;
	/** What the client addresses calls and leaves to; unique on this connection. */
	ref: number;
	contract: RoomContract;
}

// Symbol-keyed so it stays out of `socket.data` serialisation (fetchSockets, cluster adapters).
const MEMBERSHIPS = Symbol('liverpc.memberships');

/** What LiveRPC keeps on `socket.data`: the hook's locals, and the rooms joined so far. */
export interface ConnectionData {
	locals: App.SocketLocals;
	/** The keys the hook named the connection by, for revoke() and call memory. */
	keys?: string[];
	/**
	 * Slot `ref - 1` holds the membership with that ref; left rooms leave a hole that the
	 * next join reuses. An array, not a Map: most connections join one to three rooms, and
	 * a one-slot array is a sixth of an empty Map's size, once per connection.
	 */
	[MEMBERSHIPS]?: Array<Membership | undefined>;
}

export function connectionData(socket: Socket): ConnectionData {
	return socket.data as ConnectionData;
}

/** The membership a call or leave names by its ref, if this connection has it. */
export function membershipByRef(socket: Socket, ref: unknown): Membership | undefined {
	return typeof ref === 'number' ? connectionData(socket)[MEMBERSHIPS]?.[ref - 1] : undefined;
}

/**
 * Records a membership and returns its ref: the ref it already had when the same room is
 * joined again on this connection, else the first free slot.
 */
export function addMembership(socket: Socket, event: SocketEvent, key: string, contract: RoomContract): Membership {
	const slots = (connectionData(socket)[MEMBERSHIPS] ??= []);
	let index = -1;
	for (let i = 0; i < slots.length; i++) {
		const slot = slots[i];
		if (slot?.key === key) {
			index = i;
			break;
		}
		if (!slot && index < 0) index = i;
	}
	if (index < 0) index = slots.length;
	return (slots[index] = { event, key, ref: index + 1, contract });
}

/** Forgets a membership (the room was left, or its join reply could not be sent). */
export function removeMembership(socket: Socket, membership: Membership): void {
	const slots = connectionData(socket)[MEMBERSHIPS];
	if (slots?.[membership.ref - 1] === membership) slots[membership.ref - 1] = undefined;
}

/** How many rooms this connection is a member of. */
export function roomsHeld(socket: Socket): number {
	let held = 0;
	for (const slot of connectionData(socket)[MEMBERSHIPS] ?? []) if (slot) held++;
	return held;
}

/** The rooms this connection is a member of. */
export function membershipsOf(socket: Socket): Membership[] {
	const held: Membership[] = [];
	for (const slot of connectionData(socket)[MEMBERSHIPS] ?? []) if (slot) held.push(slot);
	return held;
}
