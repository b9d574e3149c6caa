import type { Socket } from 'socket.io';
import type { ErrorBody } from '../shared/protocol.js';
import { membershipsOf, type Membership } from './connection-state.js';
import { settle } from './settle.js';
import { socketEventStorage } from './socket-event-storage.js';
import type { HandleSocketError } from './types.js';
import { toErrorBody } from './unexpected-error.js';
import { validateInput } from './validate-input.js';

type CallAckFn = (error: ErrorBody | null, output?: unknown) => void;

/**
 * Serves CALL for every connection of one server: find the membership, find the call,
 * validate, run the handler inside its event, and acknowledge only once it has finished
 * (SPEC §5: nothing acknowledged is lost). Made once per server; the connection is `this`.
 */
export function createCallListener(handleError: HandleSocketError | undefined) {
	return function onCall(this: Socket, key: unknown, name: unknown, input: unknown, ack: unknown): void {
		if (typeof ack !== 'function') return;
		const reply = ack as CallAckFn;

		const membership = typeof key === 'string' ? membershipsOf(this)?.get(key) : undefined;
		if (!membership) return reply({ status: 404, message: 'Not a member of this room: join it first' });
		const call = typeof name === 'string' ? membership.contract.calls.get(name) : undefined;
		if (!call) {
			return reply({
				status: 404,
				message: `No call '${String(name).slice(0, 100)}' in room '${membership.contract.pattern.id}'`
			});
		}

		const fail = (thrown: unknown) => settle(toErrorBody(thrown, failureSite(membership, name as string, handleError)), reply, () => {});
		const succeed = (output: unknown) => {
			try {
				reply(null, output);
			} catch (thrown) {
				fail(thrown); // the output could not be encoded
			}
		};
		const run = (value: unknown) => socketEventStorage.run(membership.event, call.handler, value, membership.event);

		let output: unknown;
		try {
			const value = validateInput(call.schema, input);
			output = value instanceof Promise ? value.then(run) : run(value);
		} catch (thrown) {
			return fail(thrown);
		}
		settle(output, succeed, fail);
	};
}

function failureSite(membership: Membership, name: string, handleError: HandleSocketError | undefined) {
	return { label: `call ${membership.contract.pattern.id}#${name}`, event: membership.event, handleError };
}
