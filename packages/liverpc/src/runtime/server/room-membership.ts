import type { Socket } from 'socket.io';
import type { ErrorBody, JoinAck } from '../shared/protocol.js';
import { roomKey } from './room-key.js';
import type { RoomContract } from './contract-registry.js';
import { addMembership, connectionData, membershipByRef, removeMembership } from './connection-state.js';
import { isThenable, settle } from './promise-or-value.js';
import { socketEventStorage } from './socket-event-storage.js';
import type { SocketHooks } from './socket-hook.js';
import type { SocketEvent } from './types.js';
import { toErrorBody } from './unexpected-error.js';

type JoinAckFn = (error: ErrorBody | null, joined?: JoinAck) => void;

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
		if (!contract) return reply({ status: 404, message: `No room '${String(routeId).slice(0, 100)}'` });

		const resolved = contract.pattern.resolve(params);
		if ('problem' in resolved) {
			return reply({ status: 400, message: `Invalid params for room '${contract.pattern.id}': ${resolved.problem}` });
		}

		const key = roomKey(contract.pattern, resolved.room);
		const event: SocketEvent = {
			locals: connectionData(socket).locals,
			params: resolved.params,
			route: contract.route,
			room: resolved.room,
			connectionId: socket.id
		};
		const fail = (thrown: unknown) =>
			settle(toErrorBody(thrown, { label: `join ${contract.pattern.id}`, event, handleError: hooks.handleError }), reply, () => {});
		const admit = (joinReply: unknown) => {
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
			return fail(thrown);
		}
		if (isThenable(guarded)) guarded.then(admit, fail);
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
