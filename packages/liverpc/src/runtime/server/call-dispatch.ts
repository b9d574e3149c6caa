import type { Socket } from 'socket.io';
import type { ErrorBody } from '../shared/protocol.js';
import type { RoomCall } from './call.js';
import { membershipByRef, type Membership } from './connection-state.js';
import { REFUSAL_SITE, replyError } from './error-reply.js';
import { admitCall, guardOf, type ConnectionGuard } from './packet-gate.js';
import { isThenable } from './promise-or-value.js';
import { SocketError } from './socket-error.js';
import { socketEventStorage } from './socket-event-storage.js';
import type { SocketHooks } from './socket-hook.js';
import { validateInput } from './validate-input.js';

type CallAck = (error: ErrorBody | null, output?: unknown) => void;

const NOT_A_MEMBER = new SocketError(404, 'Not a member of this room: join it first');
const NO_SUCH_CALL = new SocketError(404, 'No such call in this room');

/**
 * Serves CALL for every connection of one server: find the membership, find the call,
 * take a place among the connection's calls in flight, validate, run the handler inside
 * its event, and acknowledge only once it has finished (nothing acknowledged is lost).
 * Made once per server; the connection is `this`. This is the hottest path in LiveRPC
 * (#4): a synchronous handler allocates no closure and no promise here.
 */
export function createCallListener(hooks: SocketHooks) {
	// Calls whose ack is not sent yet, on every connection: shutdown waits for them.
	let pending = 0;

	const settled = (guard: ConnectionGuard) => {
		pending--;
		guard.callsInFlight--;
	};
	const replyValue = (ack: CallAck, output: unknown, membership: Membership, name: string, guard: ConnectionGuard) => {
		settled(guard);
		try {
			ack(null, output);
		} catch (thrown) {
			fail(ack, thrown, membership, name); // the output could not be encoded
		}
	};
	const fail = (ack: CallAck, thrown: unknown, membership: Membership, name: string) => {
		const site = { label: `call ${membership.contract.pattern.id}#${name}`, event: membership.event, handleError: hooks.handleError };
		replyError(ack, thrown, site);
	};

	const onCall = function (this: Socket, ref: unknown, name: unknown, input: unknown, ack: unknown): void {
		if (typeof ack !== 'function') return;
		const reply = ack as CallAck;

		const membership = membershipByRef(this, ref);
		if (!membership) return replyError(reply, NOT_A_MEMBER, REFUSAL_SITE);
		// Never name the call in the answer: the name came from the client (#8).
		const call = typeof name === 'string' ? membership.contract.calls.get(name) : undefined;
		if (!call) return replyError(reply, NO_SUCH_CALL, REFUSAL_SITE);
		const callName = name as string;
		const guard = guardOf(this);
		const refusal = admitCall(guard);
		if (refusal) return replyError(reply, refusal, REFUSAL_SITE);

		pending++;
		let output: unknown;
		try {
			const value = validateInput(call.schema, input);
			output = isThenable(value) ? value.then((valid) => runHandler(membership, call, valid)) : runHandler(membership, call, value);
		} catch (thrown) {
			settled(guard);
			return fail(reply, thrown, membership, callName);
		}
		if (isThenable(output)) {
			output.then(
				(resolved) => replyValue(reply, resolved, membership, callName, guard),
				(thrown: unknown) => {
					settled(guard);
					fail(reply, thrown, membership, callName);
				}
			);
		} else {
			replyValue(reply, output, membership, callName, guard);
		}
	};
	return { onCall, pendingCalls: () => pending };
}

function runHandler(membership: Membership, call: RoomCall, input: unknown): unknown {
	return socketEventStorage.run(membership.event, call.handler, input, membership.event);
}
