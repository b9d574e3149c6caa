import type { Socket } from 'socket.io';
import { connectionData } from './connection-state.js';

// Who spends the budgets shared by several connections: the user the socket hook
// named by its first key, or, for a connection without keys, its client address. The
// address is resolved once, at the Engine.IO handshake (address-admission.ts), and kept on
// the Engine.IO connection: the handshake's headers are let go after the hook.

const ADDRESS = Symbol('liverpc.clientAddress');

type AddressHolder = { [ADDRESS]?: string };

/** Keeps the client address of an Engine.IO connection (`socket.conn`). */
export function setConnectionAddress(conn: object, address: string): void {
	(conn as AddressHolder)[ADDRESS] = address;
}

/** The client address of an Engine.IO connection, as admitted; undefined before admission. */
export function connectionAddress(conn: object): string | undefined {
	return (conn as AddressHolder)[ADDRESS];
}

/**
 * The key a connection's shared budgets and call memory are counted under: its hook's first
 * key, else `address <client address>`.
 *
 * @example
 * ```ts
 * userKeyOf(socket); // 'user:42', or 'address 203.0.113.7' for an anonymous connection
 * ```
 */
export function userKeyOf(socket: Socket): string {
	const key = connectionData(socket).keys?.[0];
	if (key !== undefined) return key;
	return `address ${connectionAddress(socket.conn) ?? socket.handshake.address}`;
}
