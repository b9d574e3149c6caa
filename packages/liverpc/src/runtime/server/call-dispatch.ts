import type { Socket } from 'socket.io';
import { RESENT, type ErrorBody } from '../shared/protocol.js';
import type { RoomCall } from './call.js';
import type { CallMemory, CallRecord } from './call-memory.js';
import type { RecallCall, RecalledCall } from './cluster/call-recall.js';
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
const NUMBER_REUSED = new SocketError(409, 'This call number was used for another call');
/**
 * A fault in LiveRPC's own handling of a call, not in the app's handler: logged under its
 * own label so that a bug in LiveRPC is not blamed on the app, and answered all the same.
 */
const DISPATCH_SITE = Object.freeze({ label: 'call dispatch', event: undefined, handleError: undefined });

/** What the call listener needs to know about its server's life. */
export interface CallLifecycle {
	/** False once the server shuts down: new calls are then left unanswered (see below). */
	accepting: boolean;
}

/**
 * Serves CALL for every connection of one server: find the membership, find the call,
 * take a place among the connection's calls in flight, validate, run the handler inside
 * its event, and acknowledge only once it has finished (nothing acknowledged is lost).
 * Made once per server; the connection is `this`. This is the hottest path in LiveRPC,
 * paid on every call: a synchronous handler allocates no closure and no promise here.
 *
 * A call with a number (every call of `liverpc/client`) is remembered in `memory`: the
 * same number again, after a disconnect lost the ack, gets the first answer instead of a
 * second run.
 */
export function createCallListener(hooks: SocketHooks, memory: CallMemory, lifecycle: CallLifecycle, recall?: RecallCall) {
	const dispatcher = new CallDispatcher(hooks, memory, recall);

	const onCall = function (this: Socket, ref: unknown, name: unknown, input: unknown, number: unknown, answeredBelow: unknown, resent: unknown, ack: unknown): void {
		// Socket.IO passes the ack last: a call without a number is simply not remembered.
		if (typeof number === 'function') [number, answeredBelow, resent, ack] = [undefined, undefined, undefined, number];
		else if (typeof answeredBelow === 'function') [answeredBelow, resent, ack] = [undefined, undefined, answeredBelow];
		else if (typeof resent === 'function') [resent, ack] = [undefined, resent];
		if (typeof ack !== 'function') return;
		// Shutting down: no answer at all. The client holds the call, and sends it again
		// with its number once it has re-joined on the next process, where it runs once.
		if (!lifecycle.accepting) return;
		try {
			dispatcher.serve(this, ref, name, input, number, answeredBelow, resent, ack as CallAck);
		} catch (thrown) {
			// No call left unanswered, whatever goes wrong: a throw anywhere in LiveRPC's
			// handling answers 500 with an error id (logged with the stack). Socket.IO sends an
			// ack once: if the answer already went, this one is dropped, so the caller gets exactly one.
			replyError(ack as CallAck, thrown, DISPATCH_SITE);
		}
	};
	return { onCall, pendingCalls: () => dispatcher.pending };
}

/**
 * The steps of serving one call, in the order they run: {@link serve} (refuse, or answer
 * from memory, or admit), {@link runOnce} (only for a copy sent again), {@link run}
 * (validate and run the handler), then {@link replyValue} or {@link fail}. One per server,
 * so that no step is a closure made per call.
 */
class CallDispatcher {
	/** Calls whose ack is not sent yet, on every connection: shutdown waits for them. */
	pending = 0;

	constructor(
		private readonly hooks: SocketHooks,
		private readonly memory: CallMemory,
		private readonly recall: RecallCall | undefined
	) {}

	// Finds the membership and the call, answers a known number from memory, admits the
	// call among the connection's calls in flight, and sends it on to run.
	serve(socket: Socket, ref: unknown, name: unknown, input: unknown, number: unknown, answeredBelow: unknown, resent: unknown, reply: CallAck): void {
		const membership = membershipByRef(socket, ref);
		if (!membership) return replyError(reply, NOT_A_MEMBER, REFUSAL_SITE);
		// Never name the call in the answer: the name came from the client, and an answer
		// that repeats it would carry text of the client's choosing back as if LiveRPC said it.
		const call = typeof name === 'string' ? membership.contract.calls.get(name) : undefined;
		if (!call) return replyError(reply, NO_SUCH_CALL, REFUSAL_SITE);
		const callName = name as string;

		const calls = typeof number === 'number' && Number.isSafeInteger(number) && number > 0 ? this.memory.of(socket) : undefined;
		// What the client has every answer below: no copy of those can come any more.
		if (calls && typeof answeredBelow === 'number' && Number.isSafeInteger(answeredBelow)) calls.forget(Math.min(answeredBelow, number as number));
		const known = calls?.find(number as number);
		if (known) {
			if (known.room !== membership.key || known.name !== callName) return replyError(reply, NUMBER_REUSED, REFUSAL_SITE);
			return known.answerCopy(reply);
		}
		const guard = guardOf(socket);
		const refusal = admitCall(guard);
		// Refused before it ran, so not remembered: a copy sent later may run.
		if (refusal) return replyError(reply, refusal, REFUSAL_SITE);
		const record = calls?.start(number as number, membership.key, callName);
		// A client marks only the copies of calls it had sent on an earlier connection, at most
		// its calls in flight; a connection that marks more gets no more questions asked for it.
		const recall = this.recall; // called as a plain function, as it always was
		if (record && resent === RESENT && recall && guard.recalls < guard.limits.maxCallsInFlight) {
			const asking = recall(socket, record.number);
			if (asking) {
				guard.recalls++;
				return this.runOnce(asking, reply, membership, call, callName, input, guard, record);
			}
		}
		this.run(reply, membership, call, callName, input, guard, record);
	}

	// A copy of a call the client sent before another disconnect: the client cannot know
	// whether the first one ran, and another process may have run it; if one remembers it,
	// its answer is this one's, else it runs here. Not on the hot path: only the calls in
	// flight at a disconnect are sent again.
	runOnce(asking: Promise<RecalledCall | undefined>, reply: CallAck, membership: Membership, call: RoomCall, callName: string, input: unknown, guard: ConnectionGuard, record: CallRecord): void {
		this.pending++;
		asking.then(
			(recalled) => {
				this.pending--;
				if (!recalled) return this.run(reply, membership, call, callName, input, guard, record);
				guard.callsInFlight--;
				const reused = recalled.room !== membership.key || recalled.name !== callName;
				record.settle(reused ? NUMBER_REUSED.body : recalled.error, recalled.output);
				record.answerCopy(reply);
			},
			// The question does not fail (peers.ask resolves with what came); were it to, the call runs here rather than never.
			() => {
				this.pending--;
				this.run(reply, membership, call, callName, input, guard, record);
			}
		);
	}

	// Runs an admitted call here: validate, run the handler inside its event, answer.
	run(reply: CallAck, membership: Membership, call: RoomCall, callName: string, input: unknown, guard: ConnectionGuard, record: CallRecord | undefined): void {
		this.pending++;
		let output: unknown;
		try {
			const value = validateInput(call.schema, input);
			output = isThenable(value) ? value.then((valid) => runHandler(membership, call, valid)) : runHandler(membership, call, value);
		} catch (thrown) {
			this.settled(guard);
			return this.fail(reply, thrown, membership, callName, record);
		}
		if (isThenable(output)) this.awaitOutput(output, reply, membership, callName, guard, record);
		else this.replyValue(reply, output, membership, callName, guard, record);
	}

	// A handler may return any thenable, not only a well-behaved promise: one whose `then`
	// throws, or that calls both callbacks, or one twice. The call is answered, and counted
	// settled, once.
	awaitOutput(output: PromiseLike<unknown>, reply: CallAck, membership: Membership, callName: string, guard: ConnectionGuard, record: CallRecord | undefined): void {
		let finished = false;
		const faulted = (thrown: unknown) => {
			if (finished) return;
			finished = true;
			this.settled(guard);
			this.fail(reply, thrown, membership, callName, record);
		};
		try {
			output.then((resolved) => {
				if (finished) return;
				finished = true;
				this.replyValue(reply, resolved, membership, callName, guard, record);
			}, faulted);
		} catch (thrown) {
			faulted(thrown);
		}
	}

	replyValue(ack: CallAck, output: unknown, membership: Membership, name: string, guard: ConnectionGuard, record: CallRecord | undefined): void {
		this.settled(guard);
		try {
			ack(null, output);
			record?.settle(null, output);
		} catch (thrown) {
			this.fail(ack, thrown, membership, name, record); // the output could not be encoded
		}
	}

	fail(ack: CallAck, thrown: unknown, membership: Membership, name: string, record: CallRecord | undefined): void {
		const site = { label: `call ${membership.contract.pattern.id}#${name}`, event: membership.event, handleError: this.hooks.handleError };
		replyError(record ? (body) => (record.settle(body, undefined), ack(body)) : ack, thrown, site);
	}

	private settled(guard: ConnectionGuard): void {
		this.pending--;
		guard.callsInFlight--;
	}
}

function runHandler(membership: Membership, call: RoomCall, input: unknown): unknown {
	return socketEventStorage.run(membership.event, call.handler, input, membership.event);
}
