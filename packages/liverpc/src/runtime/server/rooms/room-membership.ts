import type { Socket } from 'socket.io';
import { MARKER } from '../../shared/contract-marker.js';
import type { ErrorBody, JoinAck, JoinEvent } from '../../shared/protocol.js';
import { eventIdOf, type EventId, type HistoryEvent } from '../contract/event.js';
import { roomKey } from '../contract/room-key.js';
import type { RoomContract } from '../contract/contract-registry.js';
import { addMembership, connectionData, membershipByRef, removeMembership, roomsHeld } from '../gate/connection-state.js';
import { REFUSAL_SITE, replyError } from '../contract/error-reply.js';
import { admitJoin, budgetOf, type ConnectionBudget } from '../gate/packet-gate.js';
import { isThenable } from '../support/promise-or-value.js';
import { readResumeRequest, type ResumeRequest } from './resume-request.js';
import type { LoggedEvent, LogPosition, RoomEventLog, RoomLog } from './room-log.js';
import { SocketError } from '../contract/socket-error.js';
import { socketEventStorage } from '../contract/socket-event-storage.js';
import type { SocketHooks } from '../gate/socket-hook.js';
import { isAdmission } from '../contract/join.js';
import { newestJoinEvents } from './join-reply-cap.js';
import { entryIdOf } from '../contract/presence.js';
import type { RoomPresences } from './room-presence.js';
import type { MemberEvent, SocketEvent } from '../contract/types.js';
import type { Span } from '@opentelemetry/api';
import { expectedErrorBody } from '../contract/socket-error.js';
import type { ServerTelemetry } from '../telemetry/server-telemetry.js';
import { endStep, endWithStatus, startServerSpan, startStepSpan, tracing, withSpan } from '../telemetry/live-tracing.js';

type JoinAckFn = (error: ErrorBody | null, joined?: JoinAck) => void;

/** The room services a join reads, at its start: they become the cluster's when the server scales out over Redis. */
type RoomServices = { readonly logs: RoomEventLog; readonly presences: RoomPresences };

// Fixed texts: a route id or a param name the client made up is never repeated back, so that
// an answer never carries text of the client's choosing back as if LiveRPC said it.
const NO_SUCH_ROOM = new SocketError(404, 'No such room');
const INVALID_RESUME = new SocketError(400, 'Invalid resume position');

/**
 * What the `history` of a room's events returned: join events, their ids by event name, and
 * whether every history said it was complete.
 */
export type HistoryRead = { events: JoinEvent[]; ids: Map<string, Set<EventId>>; complete: boolean };

/**
 * Serves JOIN and LEAVE for every connection of one server. The listeners are made once
 * and read the connection from `this`, so a connection costs no closures of its own.
 *
 * A join is gap-free: the room's log position is read before the guard runs, and the
 * membership starts in one synchronous step that sends the ack (with every event since
 * that position, or since the member's own position on a re-join) and joins the Socket.IO
 * room. An event emitted at any moment of the join therefore reaches the member exactly
 * once: in the ack, or live after it. The steps of one join are the methods of a
 * {@link JoinAttempt}.
 */
export function createMembershipListeners(contracts: Map<string, RoomContract>, hooks: SocketHooks, rooms: RoomServices, telemetry: ServerTelemetry) {
	// Answers a JOIN the connection may not make (no such room, bad params or resume position,
	// too many rooms) with a refusal, and starts every other one on its numbered steps.
	function onJoin(this: Socket, routeId: unknown, params: unknown, resume: unknown, ack: unknown): void {
		const { logs, presences } = rooms;
		// Socket.IO passes the ack last: a join without a resume argument is a first join.
		if (typeof resume === 'function') [resume, ack] = [undefined, resume];
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
		const request = readResumeRequest(resume, contract);
		if (!request) return replyError(reply, INVALID_RESUME, REFUSAL_SITE);
		const key = roomKey(contract.pattern, resolved.room);
		const budget = budgetOf(socket);
		// A re-join of a room this connection holds takes no new place.
		const rejoin = socket.rooms.has(key);
		const refusal = rejoin ? undefined : admitJoin(budget, roomsHeld(socket));
		if (refusal) {
			telemetry.limitHit('rooms', { connectionId: socket.id, route: contract.pattern.id }, 'a join was refused: too many rooms on one connection');
			return replyError(reply, refusal, REFUSAL_SITE);
		}

		const event: SocketEvent = {
			locals: connectionData(socket).locals,
			params: resolved.params,
			route: contract.route,
			room: resolved.room,
			connectionId: socket.id
		};
		new JoinAttempt(socket, reply, contract, event, request, key, budget, !rejoin, logs, presences, hooks, telemetry).openLog();
	}

	function onLeave(this: Socket, ref: unknown): void {
		const { presences } = rooms;
		const membership = membershipByRef(this, ref);
		if (!membership) return;
		removeMembership(this, membership);
		presences.leave(this, membership);
		void this.leave(membership.key);
	}

	return { onJoin, onLeave };
}

/**
 * One admitted join, from the room's log to the membership. Its numbered steps run in order,
 * each calling the next once its own work (maybe a promise) is done; a failure at any step
 * answers the join with the error through {@link fail}. One object per join: the steps are
 * methods, and a closure is made only where a step waits on a promise.
 */
class JoinAttempt {
	/** Whether the join holds the room's log (from step 1 until it answers). */
	private holdsLog = false;
	/** Where the room's log stood before the guard ran (step 1). */
	private startLog!: RoomLog;
	private startSeq = 0;
	/** The member's presence entry, when the room has presence (step 3). */
	private entry: { id: string; entry: unknown } | undefined = undefined;
	/** `performance.now()` at the start, only while metrics or the inspector listen. */
	private startedAt: number | undefined = undefined;
	/** The join's span and its current step's (guard, history), only while traced. */
	private span: Span | undefined = undefined;
	private step: Span | undefined = undefined;

	constructor(
		private readonly socket: Socket,
		private readonly reply: JoinAckFn,
		private readonly contract: RoomContract,
		private readonly event: SocketEvent,
		private readonly request: ResumeRequest,
		private readonly key: string,
		private readonly budget: ConnectionBudget,
		/** Whether the join holds a place among the joins in flight (a re-join takes none). */
		private inFlight: boolean,
		private readonly logs: RoomEventLog,
		private readonly presences: RoomPresences,
		private readonly hooks: SocketHooks,
		private readonly telemetry: ServerTelemetry
	) {
		if (telemetry.measuring) this.startedAt = performance.now();
		if (tracing()) this.span = startServerSpan(`join ${contract.pattern.id}`, 'join', { 'liverpc.route': contract.pattern.id, 'liverpc.resume': request.position !== undefined });
	}

	// 1. The room's log, and where it stands before the guard runs: every event after this
	//    point goes into the ack unless the member already has it.
	openLog(): void {
		let log: RoomLog | Promise<RoomLog>;
		this.holdsLog = true;
		try {
			log = this.logs.open(this.key, this.request.position);
		} catch (thrown) {
			// open() is paired with release() even when it failed.
			return this.fail(thrown);
		}
		if (isThenable(log)) log.then((opened) => this.opened(opened), (thrown) => this.fail(thrown));
		else this.opened(log);
	}

	private opened(log: RoomLog): void {
		this.startLog = log;
		this.startSeq = log.seq;
		this.guarded();
	}

	// 2. The join guard, in the join's event.
	private guarded(): void {
		const { contract, event } = this;
		let result: unknown;
		try {
			const guard = contract.join?.handler;
			if (guard && this.span) {
				const step = (this.step = startStepSpan('guard', this.span));
				result = withSpan(step, () => socketEventStorage.run(event, guard, event));
			} else result = guard ? socketEventStorage.run(event, guard, event) : undefined;
		} catch (thrown) {
			return this.fail(thrown);
		}
		if (isThenable(result)) result.then((admission) => this.admitted(admission), (thrown) => this.fail(thrown));
		else this.admitted(result);
	}

	// 3. Admitted: the member context stays on the server (for call(enter, …)), and its
	//    presence entry is built.
	private admitted(result: unknown): void {
		this.endStep();
		const event = this.event;
		let joinReply = result;
		if (isAdmission(result)) {
			(event as MemberEvent).member = result.member;
			joinReply = result.reply;
		}
		const presence = this.contract.presence;
		if (!presence) return this.readHistory(joinReply);
		let built: unknown;
		try {
			built = socketEventStorage.run(event, presence.describe, event);
		} catch (thrown) {
			return this.fail(thrown);
		}
		if (isThenable(built)) built.then((value) => this.described(joinReply, value), (thrown) => this.fail(thrown));
		else this.described(joinReply, built);
	}

	private described(joinReply: unknown, value: unknown): void {
		const id = entryIdOf(value);
		if (typeof id !== 'string') return this.fail(new Error(`Room '${this.contract.pattern.id}': ${id.problem}`));
		this.entry = { id, entry: value };
		this.readHistory(joinReply);
	}

	// 4. The store is read only when the log cannot fill the gap (or on a first join).
	private readHistory(joinReply: unknown): void {
		const { contract, request } = this;
		const position = request.position;
		const log = this.logs.current(this.key) ?? this.startLog;
		if (!contract.histories || (position && bufferCovers(log, position))) return this.start(joinReply, undefined);
		const read = () => readHistories(contract, this.event, request, this.budget.limits.maxJoinEvents);
		const span = this.span && (this.step = startStepSpan('history', this.span));
		(span ? withSpan(span, read) : read()).then(
			(history) => {
				this.endStep();
				this.start(joinReply, history);
			},
			(thrown) => this.fail(thrown)
		);
	}

	// 5. The membership starts in one synchronous step: the ack with every event the member
	//    lacks, and the Socket.IO room, so that any event emitted meanwhile arrives exactly once.
	//    `start` gathers the events and calls `enter` directly: nothing between them waits.
	private start(joinReply: unknown, history: HistoryRead | undefined): void {
		if (!this.socket.connected) return this.endAttempt(); // gone while the guard ran: nothing to join
		const log = this.logs.current(this.key) ?? this.startLog;
		const all: JoinEvent[] = history ? history.events : [];
		let resumed = appendMissedEvents(all, log, this.startLog, this.startSeq, this.request.position, history);
		// Bounded whatever `resume` asked, so that no client can make an ack as large as it
		// likes: the newest that fit, and `resumed: false` if cut.
		let events: JoinEvent[];
		try {
			const capped = newestJoinEvents(all, this.budget.limits.maxJoinEvents, this.budget.limits.maxJoinBytes);
			events = capped.events;
			if (capped.capped) resumed = false;
		} catch (thrown) {
			return this.fail(thrown);
		}
		this.enter(log, joinReply, resumed, events);
	}

	// 5, continued (same synchronous step): the membership, the presence entry, the Socket.IO
	//    room, then the ack; an ack that cannot be sent undoes the join.
	private enter(log: RoomLog, joinReply: unknown, resumed: boolean, events: JoinEvent[]): void {
		const { socket, key, presences, entry, reply } = this;
		const membership = addMembership(socket, this.event, key, this.contract);
		// Published before the socket joins the room: the others get the change, the joiner
		// the whole list in its ack, itself included.
		if (entry) presences.join(socket, key, entry.id, entry.entry);
		void socket.join(key);
		this.endAttempt();
		try {
			const ack: JoinAck = { room: key, ref: membership.ref, reply: joinReply, log: [log.epoch, log.seq], resumed, events };
			if (entry) ack.presence = presences.list(key);
			reply(null, ack);
			if (this.startedAt !== undefined || this.span) this.answered(200, undefined, resumed);
		} catch (thrown) {
			// The reply could not be encoded (a cycle, a BigInt): undo the join, say why.
			removeMembership(socket, membership);
			presences.leave(socket, membership);
			void socket.leave(key);
			this.replyFailure(thrown);
		}
	}

	// The join has answered: it gives back its place among the joins in flight, and its hold on the room's log.
	private endAttempt(): void {
		if (this.inFlight) this.budget.joinsInFlight--;
		this.inFlight = false;
		if (this.holdsLog) this.logs.release(this.key);
		this.holdsLog = false;
	}

	private fail(thrown: unknown): void {
		this.endAttempt();
		this.replyFailure(thrown);
	}

	private replyFailure(thrown: unknown): void {
		const route = this.contract.pattern.id;
		const { logger } = this.telemetry;
		replyError(this.reply, thrown, { label: `join ${route}`, event: this.event, handleError: this.hooks.handleError, logger, connectionId: this.socket.id, route });
		if (this.startedAt !== undefined || this.span) this.answered(expectedErrorBody(thrown)?.status ?? 500, thrown, false);
	}

	/** Counts, times and ends the span of the answered join (only while something listens). */
	private answered(status: number, thrown: unknown, resumed: boolean): void {
		const route = this.contract.pattern.id;
		if (this.startedAt !== undefined) {
			this.telemetry.joinAnswered(route, status, this.startedAt, this.socket.id);
			if (status === 200 && this.request.position) this.telemetry.resumed(route, resumed);
		}
		if (this.span) {
			this.endStep(status >= 500 ? thrown : undefined);
			this.span.setAttribute('liverpc.resumed', resumed);
			endWithStatus(this.span, status, thrown);
			this.span = undefined;
		}
	}

	private endStep(thrown?: unknown): void {
		if (this.step) endStep(this.step, thrown);
		this.step = undefined;
	}
}

/**
 * Step 5's catch-up: appends to `all` (the history's events, if any) every logged event the
 * member lacks, and returns whether the member's events continue without a gap (`resumed`).
 */
export function appendMissedEvents(all: JoinEvent[], log: RoomLog, startLog: RoomLog, startSeq: number, position: LogPosition | undefined, history: HistoryRead | undefined): boolean {
	let missed: LoggedEvent[] | undefined;
	let resumed: boolean;
	if (position && bufferCovers(log, position)) {
		// A re-join the log covers: everything after the member's own position.
		missed = log.after(position[1]);
		resumed = true;
	} else if (position && log.predates(position) && log.covers(log.start)) {
		// A re-join from before this log (a restart, a log Redis lost): the member has
		// none of its events, so it gets all of them besides the history. Scaled out,
		// the room's order need not be the store's: an event stored earlier but logged
		// late (held while Redis was away) has a lower id than the member's last, and
		// only this log still has it for the member.
		missed = log.after(log.start);
		resumed = history?.complete === true;
	} else {
		// A first join, or a gap the log cannot fill: everything since the guard started,
		// if the log still has it (the same log, not restarted meanwhile).
		if (log === startLog && log.covers(startSeq)) missed = log.after(startSeq);
		resumed = missed !== undefined && (position === undefined || history?.complete === true);
	}

	for (const logged of missed ?? []) {
		// An event the store read already returned: the member gets it once.
		if (logged.id !== undefined && history?.ids.get(logged.name)?.has(logged.id)) continue;
		all.push(logged.id === undefined ? [logged.name, logged.payload, logged.seq] : [logged.name, logged.payload, logged.seq, logged.id]);
	}
	return resumed;
}

/** Whether the log still holds every event after the member's position. */
function bufferCovers(log: RoomLog, position: LogPosition): boolean {
	return position[0] === log.epoch && log.covers(position[1]);
}

/**
 * Runs the `history` of every event of the room that has one, in the join's event, and
 * collects what they return as join events with their ids.
 */
export async function readHistories(contract: RoomContract, event: SocketEvent, request: ResumeRequest, limit: number): Promise<HistoryRead> {
	const result: HistoryRead = { events: [], ids: new Map(), complete: true };
	for (const [name, roomEvent] of contract.events) {
		const history = roomEvent.history;
		const idKey = roomEvent[MARKER].idKey;
		if (!history || idKey === undefined) continue;
		const input: HistoryEvent = { ...event, lastEventId: request.lastEventIds?.[name], before: undefined, limit };
		const returned = await socketEventStorage.run(event, history, input);
		const payloads = Array.isArray(returned) ? returned : (returned as { events?: unknown } | null)?.events;
		if (!Array.isArray(payloads)) {
			throw new TypeError(`The history of event '${name}' returned neither an array nor { events, complete }`);
		}
		if (!Array.isArray(returned) && returned.complete === false) result.complete = false;
		const ids = new Set<EventId>();
		for (const payload of payloads) {
			const id = eventIdOf(payload, idKey, name);
			ids.add(id);
			result.events.push([name, payload, 0, id]);
		}
		result.ids.set(name, ids);
	}
	return result;
}
