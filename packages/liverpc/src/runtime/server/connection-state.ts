import type { Socket } from 'socket.io';
import type { RoomContract } from './contract-registry.js';
import type { SocketEvent } from './types.js';

/** One joined room of one connection: the event its handlers see and where it routes. */
export interface Membership {
	event: SocketEvent;
	/** The Socket.IO room key (`route#room`), also what the client addresses calls to. */
	key: string;
	contract: RoomContract;
}

// Symbol-keyed so it stays out of `socket.data` serialisation (fetchSockets, cluster adapters).
const MEMBERSHIPS = Symbol('liverpc.memberships');

/** What LiveRPC keeps on `socket.data`: the hook's locals, and the rooms joined so far. */
export interface ConnectionData {
	locals: App.SocketLocals;
	[MEMBERSHIPS]?: Map<string, Membership>;
}

export function connectionData(socket: Socket): ConnectionData {
	return socket.data as ConnectionData;
}

/** The memberships of a connection; the map is created on its first join only. */
export function membershipsOf(socket: Socket, create: true): Map<string, Membership>;
export function membershipsOf(socket: Socket, create?: false): Map<string, Membership> | undefined;
export function membershipsOf(socket: Socket, create = false): Map<string, Membership> | undefined {
	const data = connectionData(socket);
	if (!data[MEMBERSHIPS] && create) data[MEMBERSHIPS] = new Map();
	return data[MEMBERSHIPS];
}
