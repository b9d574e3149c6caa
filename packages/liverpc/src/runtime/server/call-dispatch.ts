import type { Socket } from 'socket.io';
import type { ErrorBody } from '../shared/protocol.js';
import type { RoomCall } from './call.js';
import { membershipByRef, type Membership } from './connection-state.js';
import { isThenable, settle } from './promise-or-value.js';
import { socketEventStorage } from './socket-event-storage.js';
import type { SocketHooks } from './socket-hook.js';
import { toErrorBody } from './unexpected-error.js';
import { validateInput } from './validate-input.js';

type CallAck = (error: ErrorBody | null, output?: unknown) => void;

const NOT_A_MEMBER: ErrorBody = Object.freeze({ status: 404, message: 'Not a member of this room: join it first' });

/**
 * Serves CALL for every connection of one server: find the membership, find the call,
 * validate, run the handler inside its event, and acknowledge only once it has finished
 * (SPEC §5: nothing acknowledged is lost). Made once per server; the connection is `this`.
 * This is the hottest path in LiveRPC (#4): a synchronous handler allocates no closure
 * and no promise here.
 */
export function createCallListener(hooks: SocketHooks) {
	// Calls whose ack is not sent yet: shutdown waits for them (SPEC §5).
	let pending = 0;

	const replyValue = (ack: CallAck, output: unknown, membership: Membership, name: string) => {
		pending--;
		try {
			ack(null, output);
		} catch (thrown) {
			replyError(ack, thrown, membership, name); // the output could not be encoded
		}
	};
	const replyError = (ack: CallAck, thrown: unknown, membership: Membership, name: string) => {
		const site = { label: `call ${membership.contract.pattern.id}#${name}`, event: membership.event, handleError: hooks.handleError };
		settle(toErrorBody(thrown, site), ack, () => {});
	};

	const onCall = function (this: Socket, ref: unknown, name: unknown, input: unknown, ack: unknown): void {
		if (typeof ack !== 'function') return;
		const reply = ack as CallAck;

		const membership = membershipByRef(this, ref);
		if (!membership) return reply(NOT_A_MEMBER);
		const call = typeof name === 'string' ? membership.contract.calls.get(name) : undefined;
		if (!call) {
			return reply({ status: 404, message: `No call '${String(name).slice(0, 100)}' in room '${membership.contract.pattern.id}'` });
		}
		const callName = name as string;

		pending++;
		let output: unknown;
		try {
			const value = validateInput(call.schema, input);
			output = isThenable(value) ? value.then((valid) => runHandler(membership, call, valid)) : runHandler(membership, call, value);
		} catch (thrown) {
			pending--;
			return replyError(reply, thrown, membership, callName);
		}
		if (isThenable(output)) {
			output.then(
				(resolved) => replyValue(reply, resolved, membership, callName),
				(thrown: unknown) => {
					pending--;
					replyError(reply, thrown, membership, callName);
				}
			);
		} else {
			replyValue(reply, output, membership, callName);
		}
	};
	return { onCall, pendingCalls: () => pending };
}

function runHandler(membership: Membership, call: RoomCall, input: unknown): unknown {
	return socketEventStorage.run(membership.event, call.handler, input, membership.event);
}
