import type { Socket } from 'socket.io';
import type { ErrorBody, JoinAck } from '../shared/protocol.js';
import { roomKey } from './room-key.js';
import type { RoomContract } from './contract-registry.js';
import { addMembership, connectionData, membershipByRef, removeMembership, roomsHeld } from './connection-state.js';
import { REFUSAL_SITE, replyError } from './error-reply.js';
import { admitJoin, guardOf } from './packet-gate.js';
import { isThenable } from './promise-or-value.js';
import { SocketError } from './socket-error.js';
import { socketEventStorage } from './socket-event-storage.js';
import type { SocketHooks } from './socket-hook.js';
import type { SocketEvent } from './types.js';

type JoinAckFn = (error: ErrorBody | null, joined?: JoinAck) => void;

// Fixed texts: a route id or a param name the client made up is never repeated back (#8).
const NO_SUCH_ROOM = new SocketError(404, 'No such room');

/**
 * Serves JOIN and LEAVE for every connection of one server. The listeners are made once
 * and read the connection from `this`, so a connection costs no closures of its own.
 */
export function createMembershipListeners(contracts: Map<string, RoomContract>, hooks: SocketHooks) {
	function onJoin(this: Socket, routeId: unknown, params: unknown, ack: unknown): void {
		if (typeof ack !== 'function') return; // nobody to answer: a hostile or broken client
		const reply = ack as JoinAckFn;
		const socket = this;

		const contract = typeof routeId === 'string' ? contracts.get(routeId) : undefined;
		if (!contract) return replyError(reply, NO_SUCH_ROOM, REFUSAL_SITE);

		const resolved = contract.pattern.resolve(params);
		if ('problem' in resolved) {
			const invalid = new SocketError(400, `Invalid params for room '${contract.pattern.id}': ${resolved.problem}`);
			return replyError(reply, invalid, REFUSAL_SITE);
		}
		const key = roomKey(contract.pattern, resolved.room);
		const guard = guardOf(socket);
		// A re-join of a room this connection holds takes no new place.
		const rejoin = socket.rooms.has(key);
		const refusal = rejoin ? undefined : admitJoin(guard, roomsHeld(socket));
		if (refusal) return replyError(reply, refusal, REFUSAL_SITE);

		const event: SocketEvent = {
			locals: connectionData(socket).locals,
			params: resolved.params,
			route: contract.route,
			room: resolved.room,
			connectionId: socket.id
		};
		const fail = (thrown: unknown) =>
			replyError(reply, thrown, { label: `join ${contract.pattern.id}`, event, handleError: hooks.handleError });
		// The guard has answered: the join gives back its place among the joins in flight.
		const refuse = (thrown: unknown) => {
			if (!rejoin) guard.joinsInFlight--;
			fail(thrown);
		};
		const admit = (joinReply: unknown) => {
			if (!rejoin) guard.joinsInFlight--;
			if (!socket.connected) return; // gone while the guard ran: nothing to join
			const membership = addMembership(socket, event, key, contract);
			void socket.join(key);
			try {
				reply(null, { room: key, ref: membership.ref, reply: joinReply });
			} catch (thrown) {
				// The reply could not be encoded (a cycle, a BigInt): undo the join, say why.
				removeMembership(socket, membership);
				void socket.leave(key);
				fail(thrown);
			}
		};

		let guarded: unknown;
		try {
			guarded = contract.join ? socketEventStorage.run(event, contract.join.handler, event) : undefined;
		} catch (thrown) {
			return refuse(thrown);
		}
		if (isThenable(guarded)) guarded.then(admit, refuse);
		else admit(guarded);
	}

	function onLeave(this: Socket, ref: unknown): void {
		const membership = membershipByRef(this, ref);
		if (!membership) return;
		removeMembership(this, membership);
		void this.leave(membership.key);
	}

	return { onJoin, onLeave };
}
