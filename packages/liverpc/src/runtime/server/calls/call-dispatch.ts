import type { Socket } from 'socket.io';
import { RESENT, type ErrorBody } from '../../shared/protocol.js';
import type { RoomCall } from '../contract/call.js';
import type { CallMemory, CallRecord, RecallCall, RecalledCall } from './call-memory.js';
import { membershipByRef, type Membership } from '../gate/connection-state.js';
import { REFUSAL_SITE, replyError } from '../contract/error-reply.js';
import { admitCall, budgetOf, type ConnectionBudget } from '../gate/packet-gate.js';
import { isThenable } from '../support/promise-or-value.js';
import { SocketError } from '../contract/socket-error.js';
import { socketEventStorage } from '../contract/socket-event-storage.js';
import type { SocketHooks } from '../gate/socket-hook.js';
import { validateInput } from './validate-input.js';
import type { Span } from '@opentelemetry/api';
import { expectedErrorBody } from '../contract/socket-error.js';
import type { ServerTelemetry } from '../telemetry/server-telemetry.js';
import { endStep, endWithStatus, startServerSpan, startStepSpan, tracing, withSpan } from '../telemetry/live-tracing.js';

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
 * paid on every call: a synchronous handler allocates only the call's arguments and its
 * request value here, no closure and no promise.
 *
 * A call with a number (every call of `liverpc/client`) is remembered in `memory`: the
 * same number again, after a disconnect lost the ack, gets the first answer instead of a
 * second run.
 */
export function createCallListener(hooks: SocketHooks, memory: CallMemory, lifecycle: CallLifecycle, scaleOut: CallRecallSource, telemetry: ServerTelemetry) {
	const dispatcher = new CallDispatcher(hooks, memory, scaleOut, telemetry);

	const onCall = function (this: Socket, ...args: unknown[]): void {
		const request = readCallPacket(this, args);
		// Without an ack there is no one to answer: nothing to do.
		if (!request) return;
		// Shutting down: no answer at all. The client holds the call, and sends it again
		// with its number once it has re-joined on the next process, where it runs once.
		if (!lifecycle.accepting) return;
		try {
			dispatcher.serve(request);
		} catch (thrown) {
			// No call left unanswered, whatever goes wrong: a throw anywhere in LiveRPC's
			// handling answers 500 with an error id (logged with the stack). Socket.IO sends an
			// ack once: if the answer already went, this one is dropped, so the caller gets exactly one.
			replyError(request.reply, thrown, DISPATCH_SITE);
		}
	};
	return { onCall, pendingCalls: () => dispatcher.pending };
}

/** Where the call listener finds, scaled out, how to ask the other processes about a call sent again. */
export interface CallRecallSource {
	/** Set once the server is scaled out; read on every copy sent again. */
	readonly recall?: RecallCall;
}

/**
 * One call, read off the wire once and then handed from step to step: what the client sent
 * (every field checked, none trusted), and what the steps learn on the way (its room, its
 * handler, its place in the call memory).
 */
class CallRequest {
	/** The membership the call names; set by {@link CallDispatcher.serve} once found. */
	membership!: Membership;
	/** The contract's call of that name, and the name, once found. */
	call!: RoomCall;
	name = '';
	budget!: ConnectionBudget;
	/** Where the call's answer is remembered, for a call with a number. */
	record: CallRecord | undefined = undefined;
	/** `performance.now()` when it started to run, only while metrics or the inspector listen. */
	startedAt: number | undefined = undefined;
	/** The call's span and its current step's (validation, then handler), only while traced. */
	span: Span | undefined = undefined;
	step: Span | undefined = undefined;

	constructor(
		readonly socket: Socket,
		/** The membership's reference and the call's name, as sent: unchecked. */
		readonly ref: unknown,
		readonly requestedName: unknown,
		readonly input: unknown,
		/** The client's number for this call (a positive safe integer), or undefined: not remembered. */
		readonly number: number | undefined,
		/** The client has every answer below this number: no copy of those can come any more. */
		readonly answeredBelow: number | undefined,
		/** The client marked it as a copy of a call sent on an earlier connection. */
		readonly resent: boolean,
		readonly reply: CallAck
	) {}
}

/**
 * Reads CALL's arguments, `ref, name, input[, number[, answeredBelow[, resent]]], ack`: the
 * ack always last (Socket.IO adds it), the three trailing fields optional (a call without a
 * number is simply not remembered). Undefined when there is no ack to answer.
 */
function readCallPacket(socket: Socket, args: unknown[]): CallRequest | undefined {
	const given = args.length - 1; // the arguments before the ack
	const reply = args[given];
	if (given < 0 || typeof reply !== 'function') return undefined;
	const number = sentAt(args, 3, given);
	const answeredBelow = sentAt(args, 4, given);
	return new CallRequest(
		socket,
		sentAt(args, 0, given),
		sentAt(args, 1, given),
		sentAt(args, 2, given),
		typeof number === 'number' && Number.isSafeInteger(number) && number > 0 ? number : undefined,
		typeof answeredBelow === 'number' && Number.isSafeInteger(answeredBelow) ? answeredBelow : undefined,
		sentAt(args, 5, given) === RESENT,
		reply as CallAck
	);
}

/** The client's argument at `index`, or undefined where it sent fewer (the ack is not one). */
function sentAt(args: unknown[], index: number, given: number): unknown {
	return index < given ? args[index] : undefined;
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
		private readonly scaleOut: CallRecallSource,
		private readonly telemetry: ServerTelemetry
	) {}

	// Finds the membership and the call, answers a known number from memory, admits the
	// call among the connection's calls in flight, and sends it on to run.
	serve(request: CallRequest): void {
		const { socket, reply, number } = request;
		const membership = membershipByRef(socket, request.ref);
		if (!membership) return replyError(reply, NOT_A_MEMBER, REFUSAL_SITE);
		// Never name the call in the answer: the name came from the client, and an answer
		// that repeats it would carry text of the client's choosing back as if LiveRPC said it.
		const name = request.requestedName;
		const call = typeof name === 'string' ? membership.contract.calls.get(name) : undefined;
		if (!call) return replyError(reply, NO_SUCH_CALL, REFUSAL_SITE);
		request.membership = membership;
		request.call = call;
		request.name = name as string;

		const calls = number === undefined ? undefined : this.memory.of(socket);
		if (calls && request.answeredBelow !== undefined) calls.forget(Math.min(request.answeredBelow, number!));
		const known = calls?.find(number!);
		if (known) {
			if (known.room !== membership.key || known.name !== request.name) return replyError(reply, NUMBER_REUSED, REFUSAL_SITE);
			return known.answerCopy(reply);
		}
		const budget = (request.budget = budgetOf(socket));
		const refusal = admitCall(budget);
		// Refused before it ran, so not remembered: a copy sent later may run.
		if (refusal) {
			this.telemetry.limitHit('calls-in-flight', { connectionId: socket.id }, 'a call was refused: too many calls in flight on one connection');
			return replyError(reply, refusal, REFUSAL_SITE);
		}
		const record = (request.record = calls?.start(number!, membership.key, request.name));
		// A client marks only the copies of calls it had sent on an earlier connection, at most
		// its calls in flight; a connection that marks more gets no more questions asked for it.
		const recall = this.scaleOut.recall;
		if (record && request.resent && recall && budget.recalls < budget.limits.maxCallsInFlight) {
			const asking = recall(socket, record.number);
			if (asking) {
				budget.recalls++;
				return this.runOnce(asking, request, record);
			}
		}
		this.run(request);
	}

	// A copy of a call the client sent before another disconnect: the client cannot know
	// whether the first one ran, and another process may have run it; if one remembers it,
	// its answer is this one's, else it runs here. Not on the hot path: only the calls in
	// flight at a disconnect are sent again.
	runOnce(asking: Promise<RecalledCall | undefined>, request: CallRequest, record: CallRecord): void {
		this.pending++;
		asking.then(
			(recalled) => {
				this.pending--;
				if (!recalled) return this.run(request);
				request.budget.callsInFlight--;
				const reused = recalled.room !== request.membership.key || recalled.name !== request.name;
				record.keepAnswer(reused ? NUMBER_REUSED.body : recalled.error, recalled.output);
				record.answerCopy(request.reply);
			},
			// The question does not fail (peers.ask resolves with what came); were it to, the call runs here rather than never.
			() => {
				this.pending--;
				this.run(request);
			}
		);
	}

	// Runs an admitted call here: validate, run the handler inside its event, answer.
	run(request: CallRequest): void {
		this.pending++;
		if (this.telemetry.measuring) request.startedAt = performance.now();
		if (tracing()) return this.runTraced(request);
		let output: unknown;
		try {
			const value = validateInput(request.call.schema, request.input);
			output = isThenable(value) ? value.then((valid) => runHandler(request, valid)) : runHandler(request, value);
		} catch (thrown) {
			this.finished(request);
			return this.fail(request, thrown);
		}
		if (isThenable(output)) this.awaitOutput(output, request);
		else this.replyValue(request, output);
	}

	// `run`, with an SDK registered: the call's span, and a span for each step, the handler's
	// current while it runs so that the app's own spans (a database query) nest under it.
	runTraced(request: CallRequest): void {
		const route = request.membership.contract.pattern.id;
		const method = `${route}/${request.name}`;
		const span = (request.span = startServerSpan(method, method, { 'liverpc.route': route, 'liverpc.call': request.name }));
		const validation = (request.step = startStepSpan('validate input', span));
		let output: unknown;
		try {
			const value = validateInput(request.call.schema, request.input);
			const runStep = (valid: unknown) => {
				endStep(validation);
				const handler = (request.step = startStepSpan('handler', span));
				return withSpan(handler, () => runHandler(request, valid));
			};
			output = isThenable(value) ? value.then(runStep) : runStep(value);
		} catch (thrown) {
			this.finished(request);
			return this.fail(request, thrown);
		}
		if (isThenable(output)) this.awaitOutput(output, request);
		else this.replyValue(request, output);
	}

	// A handler may return any thenable, not only a well-behaved promise: one whose `then`
	// throws, or that calls both callbacks, or one twice. The call is answered, and counted
	// finished, once.
	awaitOutput(output: PromiseLike<unknown>, request: CallRequest): void {
		let answered = false;
		const faulted = (thrown: unknown) => {
			if (answered) return;
			answered = true;
			this.finished(request);
			this.fail(request, thrown);
		};
		try {
			output.then((resolved) => {
				if (answered) return;
				answered = true;
				this.replyValue(request, resolved);
			}, faulted);
		} catch (thrown) {
			faulted(thrown);
		}
	}

	replyValue(request: CallRequest, output: unknown): void {
		this.finished(request);
		try {
			request.reply(null, output);
			request.record?.keepAnswer(null, output);
		} catch (thrown) {
			return this.fail(request, thrown); // the output could not be encoded
		}
		if (request.startedAt !== undefined || request.span) this.answered(request, 200, undefined);
	}

	fail(request: CallRequest, thrown: unknown): void {
		const { membership, record, reply, socket } = request;
		const route = membership.contract.pattern.id;
		const site = { label: `call ${route}#${request.name}`, event: membership.event, handleError: this.hooks.handleError, logger: this.telemetry.logger, connectionId: socket.id, route };
		replyError(record ? (body) => (record.keepAnswer(body, undefined), reply(body)) : reply, thrown, site);
		if (request.startedAt !== undefined || request.span) this.answered(request, expectedErrorBody(thrown)?.status ?? 500, thrown);
	}

	/** Counts, times and ends the span of an answered call (only while something listens). */
	private answered(request: CallRequest, status: number, thrown: unknown): void {
		const route = request.membership.contract.pattern.id;
		if (request.startedAt !== undefined) this.telemetry.callAnswered(route, request.name, status, request.startedAt, request.socket.id);
		if (request.span) {
			if (request.step) endStep(request.step, status >= 500 ? thrown : undefined);
			endWithStatus(request.span, status, thrown);
			request.span = request.step = undefined;
		}
	}

	/** The call no longer counts among the server's pending calls nor the connection's calls in flight. */
	private finished(request: CallRequest): void {
		this.pending--;
		request.budget.callsInFlight--;
	}
}

function runHandler({ membership, call }: CallRequest, input: unknown): unknown {
	return socketEventStorage.run(membership.event, call.handler, input, membership.event);
}
