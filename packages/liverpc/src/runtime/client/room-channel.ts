import { CALL, HISTORY, JOIN, LEAVE, RESENT, isErrorBody, type ErrorBody, type HistoryPage, type JoinAck } from '../shared/protocol.js';
import type { RenderedRoomData } from '../shared/rendered-room.js';
import { retryDelay, type Backoff } from './backoff.js';
import type { CallDeadlines } from './call-deadlines.js';
import type { CallNumbers } from './call-numbers.js';
import { CLIENT_ERRORS, LiveError } from './live-error.js';
import type { MakeState } from './reactive-state.js';
import type { RoomStatus } from './room-types.js';
import { RecentEventIds } from './recent-event-ids.js';
import type { RoomFeedListener } from './room-feed.js';

/** What a channel needs from the client that owns it. */
export interface ChannelHost {
	/** The connected Socket.IO socket, or undefined while there is none. */
	connectedSocket(): { emit(event: string, ...args: unknown[]): unknown } | undefined;
	/** Routes incoming events for `key` to this channel. */
	bindKey(key: string, channel: RoomChannel): void;
	/** Forgets the channel: its last handle has left. */
	release(channel: RoomChannel): void;
	makeState: MakeState;
	/** False for the server-rendering client, which never connects. */
	connectable: boolean;
	backoff: Backoff | undefined;
	/** The client's call numbers: a copy of a call sent again keeps its number. */
	callNumbers: CallNumbers;
	/** Every call is answered or rejected by its deadline (`callTimeout`), held or sent. */
	callDeadlines: CallDeadlines<PendingCall>;
	/** How many calls may wait for the room to be joined. */
	maxHeldCalls: number;
}

/** The visible state of one room. */
export interface ChannelState {
	status: RoomStatus;
	error: ErrorBody | undefined;
	joined: unknown;
	/** False when the last (re-)join could not give this room every event it missed. */
	resumed: boolean;
	/** Who is in the room: each entry with its connection count, in arrival order. */
	presence: PresenceListEntry[];
}

/** One entry of `room.presence`: what the server's `presence()` built, and its connections. */
export type PresenceListEntry = Record<string, unknown> & { connections: number };

type AckWithError = ((lost: Error | null, error?: unknown, output?: unknown) => void) & { withError?: boolean };

/** A call not answered yet: what it sends, and how to settle its promise. */
export interface PendingCall {
	/** The room it was made in: the deadline sweep hands the call back to it. */
	channel: RoomChannel;
	/** Same on every copy sent, so the server runs it once. */
	number: number;
	name: string;
	input: unknown;
	resolve: (output: unknown) => void;
	reject: (error: LiveError) => void;
	/** Sent at least once: its ack was lost, so it may have run (the server knows). */
	sent: boolean;
	/** Settled: a late reply, a lost ack or the deadline finds nothing more to do. */
	done: boolean;
	/** When it rejects with 504 if not answered: stamped by the host's `callDeadlines`. */
	deadline: number;
}

/**
 * How many of a room's latest events a channel keeps for a collection made after they came
 * (a second component on the same room, a list made once the page hydrated from a render).
 */
const REPLAY_LIMIT = 500;

const NOTHING_CONTINUED: ReadonlySet<string> = new Set();

/** Retries of a join that failed with a 5xx or 429 before the room shows `rejected`. */
const DEFAULT_JOIN_RETRIES = 5;

/** A server error, or a rate limit: worth another try later. */
function isRetryable(body: ErrorBody): boolean {
	return body.status >= 500 || body.status === 429;
}

/**
 * One room on one connection, shared by every `live()` handle of it (ref-counted). Owns
 * the join life cycle: first join, re-join after every reconnect (the server runs the
 * guard again), retry with backoff on 5xx, and a terminal stop on 4xx.
 */
export class RoomChannel {
	readonly state: ChannelState;
	readonly route: string;
	readonly params: Record<string, string>;
	/** Client-side identity: route and params, for sharing a channel between handles. */
	readonly id: string;
	/** The server's room key, known after the first successful join. */
	#key: string | undefined;
	/** The membership's number on the current connection; calls and leaves name it. */
	#ref = 0;
	#listeners = new Set<RoomFeedListener>();
	#handles = 0;
	/** Bumped whenever an in-flight join must be ignored: disconnect, retry, leave. */
	#generation = 0;
	#retries = 0;
	#retryTimer: ReturnType<typeof setTimeout> | undefined;
	/** Calls waiting for the room to be (re-)joined, oldest first. */
	#held: PendingCall[] = [];
	/** Where this room's events stand in the server's log: sent back on a re-join. */
	#position: [epoch: string, seq: number] | undefined;
	/** Per event declared with `id`: the latest ids delivered, for its `history` and to drop repeats. */
	#recentIds = new RecentEventIds();
	#host: ChannelHost;
	/** `state.presence` by entry id, in arrival order. */
	#presence = new Map<string, PresenceListEntry>();
	/**
	 * The last join's events (or the server render's) and the live ones since, newest last,
	 * at most about {@link REPLAY_LIMIT}: what a collection made now starts from.
	 */
	#replay: Array<readonly [name: string, payload: unknown, id: string | number | undefined]> = [];

	constructor(host: ChannelHost, route: string, params: Record<string, string>, id: string) {
		this.#host = host;
		this.route = route;
		this.params = params;
		this.id = id;
		this.state = host.makeState<ChannelState>({ status: 'joining', error: undefined, joined: undefined, resumed: true, presence: [] });
	}

	/** A handle starts using this channel; returns its release. */
	retain(listener: RoomFeedListener): () => void {
		this.#handles++;
		this.#listeners.add(listener);
		let released = false;
		return () => {
			if (released) return;
			released = true;
			this.#listeners.delete(listener);
			if (--this.#handles === 0) this.end();
		};
	}

	/**
	 * Starts from the room as the page's server render read it (`loadRoom()`), before the
	 * first join: its reply, presence and events are shown at once, and the join that follows
	 * is a re-join from the render's position, so it brings only what came after. A
	 * refusal shows as a refused join; a server error is tried again by the join.
	 */
	continueFrom(rendered: RenderedRoomData): void {
		if (this.#position || this.state.status !== 'joining') return;
		if (rendered.error) {
			if (!isRetryable(rendered.error)) this.#reject(rendered.error);
			return;
		}
		const join = rendered.join!;
		this.#position = [join.log[0], join.log[1]];
		this.state.joined = join.reply;
		this.state.resumed = join.resumed;
		if (Array.isArray(join.presence)) this.presenceChanged(join.presence, []);
		for (const [name, payload, , id] of join.events) {
			const eventId = typeof id === 'string' || typeof id === 'number' ? id : undefined;
			if (eventId !== undefined) this.#recentIds.add(name, eventId);
			this.#remember(name, payload, eventId);
		}
	}

	/** Gives a collection made now the room's recent events, as if it had followed them. */
	replayTo(follower: RoomFeedListener): void {
		if (this.#replay.length === 0) return;
		follower.joined(true, NOTHING_CONTINUED);
		for (const [name, payload, id] of this.#replay) follower.event(name, payload, false, id);
	}

	#remember(name: string, payload: unknown, id: string | number | undefined): void {
		const replay = this.#replay;
		replay.push([name, payload, id]);
		// Trimmed in batches, so that a busy room does not shift the array on every event.
		if (replay.length > 2 * REPLAY_LIMIT) replay.splice(0, replay.length - REPLAY_LIMIT);
	}

	/** Sends the join (first or re-join). Does nothing until there is a connection. */
	join(): void {
		if (this.state.status === 'closed') return;
		if (this.state.status === 'rejected') {
			// A room refused with a 4xx stays refused across reconnects; only
			// `client.reconnect()` (new cookies, so maybe new locals) gives it another try,
			// through `reset()`. One that gave up after server errors tries again on a new
			// connection, maybe to a server that works again.
			if (!this.state.error || !isRetryable(this.state.error)) return;
			this.#retries = 0;
			this.state.status = this.#key ? 'reconnecting' : 'joining';
		}
		const socket = this.#host.connectedSocket();
		if (!socket) return;
		clearTimeout(this.#retryTimer);
		const generation = ++this.#generation;
		if (this.state.status !== 'joining') this.state.status = this.#key ? 'reconnecting' : 'joining';

		const resume = this.#position ? [...this.#position, this.#recentIds.floors() ?? null] : null;
		socket.emit(JOIN, this.route, this.params, resume, (error: unknown, ack?: JoinAck) => {
			if (generation !== this.#generation) {
				// Answer to a join we no longer want: if we left meanwhile, leave for real.
				if (this.state.status === 'closed' && !error && ack) this.#host.connectedSocket()?.emit(LEAVE, ack.ref);
				return;
			}
			if (error) return this.#joinFailed(isErrorBody(error) ? error : { status: 500, message: 'Malformed join reply' });
			this.#joined(ack!);
		});
	}

	#joined(ack: JoinAck): void {
		this.#key = ack.room;
		this.#ref = ack.ref;
		this.#host.bindKey(this.#key, this);
		this.#retries = 0;
		this.#position = [ack.log[0], ack.log[1]];
		this.state.error = undefined;
		this.state.joined = ack.reply;
		this.state.resumed = ack.resumed;
		// The whole list on every (re-)join; changes come as PRESENCE packets after it.
		this.#presence.clear();
		if (Array.isArray(ack.presence)) this.presenceChanged(ack.presence, []);
		else this.state.presence = [];
		this.state.status = 'joined';
		// The history may return events this room has already: it is asked from a little
		// before the last one (see RecentEventIds). They go out marked as seen, for a
		// collection that rebuilds itself from this join.
		const seen = ack.events.map(([name, , , id]) => (typeof id === 'string' || typeof id === 'number') && this.#recentIds.has(name, id));
		// A history returns a run of the store without holes, up to now: one that holds an
		// event this room has carries on from what it has, even when cut (resumed false).
		const continued = new Set<string>();
		if (!ack.resumed) ack.events.forEach(([name], index) => seen[index] && continued.add(name));
		for (const listener of this.#listeners) listener.joined(ack.resumed, continued);
		// A join that left a hole: a collection made later starts from its events alone.
		if (!ack.resumed) this.#replay = [];
		// What the member missed, or the room's history on a first join, before any live
		// event: the server sent them in the ack so that none is lost or doubled.
		ack.events.forEach(([name, payload, , id], index) => this.#deliver(name, payload, id, seen[index]!, !ack.resumed));
		for (const call of this.#held.splice(0)) if (!this.#send(call)) this.#hold(call);
	}

	/** The connection dropped: the server forgot the membership; wait for the re-join. */
	disconnected(): void {
		this.#generation++;
		clearTimeout(this.#retryTimer);
		if (this.state.status === 'joined') this.state.status = 'reconnecting';
	}

	/** The server asks for a re-join from this room's position: the room's log restarted. */
	resync(): void {
		if (this.state.status !== 'joined') return;
		this.disconnected();
		this.join();
	}

	/**
	 * The server ended the membership: the connection's locals, checked again, no longer
	 * pass the room's guard. A 4xx leaves the room refused, as a refused join does; a
	 * server error is retried as a failed join is.
	 */
	ended(body: ErrorBody): void {
		if (this.state.status !== 'joined') return;
		this.disconnected();
		this.#joinFailed(body);
	}

	/** The socket hook refused the connection with a 4xx: nothing can be joined. */
	refused(body: ErrorBody): void {
		if (this.state.status === 'closed') return;
		this.#generation++;
		clearTimeout(this.#retryTimer);
		this.#reject(body);
	}

	/**
	 * An explicit reconnect (`client.reconnect()`), e.g. after sign-in: the hook gives new
	 * locals, so a room refused before gets one fresh try.
	 */
	reset(): void {
		if (this.state.status === 'rejected') this.state.status = this.#key ? 'reconnecting' : 'joining';
		this.#retries = 0;
	}

	/** Applies what changed in the room's presence: rows added or replaced, ids removed. */
	presenceChanged(upserts: unknown, removals: unknown): void {
		if (!Array.isArray(upserts) || !Array.isArray(removals)) return;
		for (const id of removals) if (typeof id === 'string') this.#presence.delete(id);
		for (const row of upserts) {
			if (!Array.isArray(row)) continue;
			const [id, entry, connections] = row as unknown[];
			if (typeof id !== 'string' || typeof entry !== 'object' || entry === null || typeof connections !== 'number') continue;
			this.#presence.set(id, { ...(entry as Record<string, unknown>), connections });
		}
		this.state.presence = [...this.#presence.values()];
	}

	/** Delivers one live event: once, in order, and remembers how far this room got. */
	receive(name: string, payload: unknown, seq: unknown, id: unknown): void {
		// A re-join on this same connection is under way (resync()): its ack carries every
		// event after the position it asked from, this one included, in order.
		if (this.state.status !== 'joined') return;
		const position = this.#position;
		if (position && typeof seq === 'number') {
			// Not newer than what this room has (a join ack held it): delivered once only.
			if (seq <= position[1]) return;
			if (seq > position[1] + 1) {
				// An event of this room never arrived, though the connection stayed up: a
				// long-polling response cut on its way loses its packets, and Engine.IO does not
				// send them again. Re-join from the position; the ack brings the gap, then this.
				return this.resync();
			}
			position[1] = seq;
		}
		this.#deliver(name, payload, id, false);
	}

	#deliver(name: string, payload: unknown, id: unknown, seen: boolean, rebuilt = false): void {
		if (!seen && (typeof id === 'string' || typeof id === 'number')) this.#recentIds.add(name, id);
		const eventId = typeof id === 'string' || typeof id === 'number' ? id : undefined;
		// After a join that resumed, an event seen before is in the replay already.
		if (!seen || rebuilt) this.#remember(name, payload, eventId);
		for (const listener of this.#listeners) listener.event(name, payload, seen, eventId);
	}

	/**
	 * Makes a call: now if the room is joined, else once it is (re-)joined. A call whose
	 * ack is lost in a disconnect is held and sent again after the re-join with the same
	 * number, so the server runs it once. Rejects with the server's body on failure, or
	 * with a 504 when it is not answered within `callTimeout` of being made.
	 */
	call(name: string, input: unknown): Promise<unknown> {
		const status = this.state.status;
		if (status === 'rejected') return Promise.reject(new LiveError(this.state.error!));
		if (status === 'closed') return Promise.reject(new LiveError(CLIENT_ERRORS.closed));
		if (!this.#host.connectable) return Promise.reject(new LiveError(CLIENT_ERRORS.serverRendering));
		return new Promise((resolve, reject) => {
			const call: PendingCall = {
				channel: this,
				number: this.#host.callNumbers.next(),
				name,
				input: input === undefined ? null : input,
				resolve,
				reject,
				sent: false,
				done: false,
				deadline: 0
			};
			this.#host.callDeadlines.track(call);
			if (!this.#send(call)) this.#hold(call);
		});
	}

	/** Sends a call on the current connection; false when there is none to send on. */
	#send(call: PendingCall): boolean {
		const socket = this.#host.connectedSocket();
		if (!socket || !this.#key || this.state.status !== 'joined') return false;
		// A call sent on an earlier connection may have run there, maybe on another process.
		const resent = call.sent;
		call.sent = true;
		const onReply: AckWithError = (lost, error, output) => {
			// Already rejected by its deadline: the late reply has no one to go to.
			if (call.done) return;
			if (lost) {
				// The connection dropped before the reply: hold it for the re-join.
				if (this.state.status === 'closed') this.#settle(call, new LiveError(CLIENT_ERRORS.closed));
				else if (this.state.status === 'rejected') this.#settle(call, new LiveError(this.state.error!));
				else this.#hold(call);
			} else if (error) this.#settle(call, new LiveError(isErrorBody(error) ? error : { status: 500, message: 'Malformed call reply' }));
			else this.#settle(call, undefined, output);
		};
		// socket.io-client calls an ack marked `withError` with an Error when the connection
		// drops before the reply, and with a leading null otherwise: no call hangs forever,
		// and no timer of our own runs per call on this hot path: the host's one sweep
		// rejects a call the server never answers.
		onReply.withError = true;
		if (resent) socket.emit(CALL, this.#ref, call.name, call.input, call.number, this.#host.callNumbers.answeredBelow, RESENT, onReply);
		else socket.emit(CALL, this.#ref, call.name, call.input, call.number, this.#host.callNumbers.answeredBelow, onReply);
		return true;
	}

	/**
	 * Reads a page of older events of one kind from the server: those before the event id
	 * `before`, at most `limit`, oldest first. Only while the room is joined (it names the
	 * membership); rejects with the server's body, or a 503 if the room is not joined or the
	 * connection drops before the answer. Nothing is held or sent again: a page is asked again
	 * by the page, when it wants it.
	 */
	history(name: string, before: string | number, limit: number): Promise<HistoryPage> {
		const status = this.state.status;
		if (status === 'rejected') return Promise.reject(new LiveError(this.state.error!));
		if (status === 'closed') return Promise.reject(new LiveError(CLIENT_ERRORS.closed));
		if (!this.#host.connectable) return Promise.reject(new LiveError(CLIENT_ERRORS.serverRendering));
		const socket = this.#host.connectedSocket();
		if (!socket || !this.#key || status !== 'joined') return Promise.reject(new LiveError(CLIENT_ERRORS.notJoined));
		return new Promise((resolve, reject) => {
			const onReply: AckWithError = (lost, error, page) => {
				if (lost) reject(new LiveError(CLIENT_ERRORS.historyLost));
				else if (error) reject(new LiveError(isErrorBody(error) ? error : CLIENT_ERRORS.malformedHistory));
				else if (isHistoryPage(page)) resolve(page);
				else reject(new LiveError(CLIENT_ERRORS.malformedHistory));
			};
			onReply.withError = true;
			socket.emit(HISTORY, this.#ref, name, before, limit, onReply);
		});
	}

	/** Settles a call for good: its number is answered, and its promise resolves or rejects. */
	#settle(call: PendingCall, error: LiveError | undefined, output?: unknown): void {
		if (call.done) return;
		call.done = true;
		this.#host.callDeadlines.untrack(call);
		this.#host.callNumbers.answered(call.number);
		if (error) call.reject(error);
		else call.resolve(output);
	}

	/** Keeps a call until the room is joined again, within the count allowed; its deadline still runs. */
	#hold(call: PendingCall): void {
		if (this.#held.length >= this.#host.maxHeldCalls) return this.#settle(call, new LiveError(CLIENT_ERRORS.tooManyHeld));
		this.#held.push(call);
	}

	/**
	 * The call's deadline passed (called by the host's sweep): it rejects with a 504 that
	 * says where it was: never sent (the room was not joined), cut off and not re-joined, or
	 * sent and never answered by the server.
	 */
	expire(call: PendingCall): void {
		const index = this.#held.indexOf(call);
		if (index >= 0) {
			this.#held.splice(index, 1);
			return this.#settle(call, new LiveError(call.sent ? CLIENT_ERRORS.noReply : CLIENT_ERRORS.notJoinedInTime));
		}
		this.#settle(call, new LiveError(CLIENT_ERRORS.noAnswer));
	}

	#joinFailed(body: ErrorBody): void {
		const attempts = this.#host.backoff?.retries ?? DEFAULT_JOIN_RETRIES;
		if (isRetryable(body) && this.#retries < attempts) {
			// The server had trouble or asked us to slow down: not a verdict on this connection.
			this.state.error = body;
			this.#retryTimer = setTimeout(() => this.join(), retryDelay(this.#retries++, this.#host.backoff));
			return;
		}
		// Any other 4xx is terminal, never retried in a loop; so is a server error that
		// outlasted the retries, so the page can say so instead of joining forever.
		this.#reject(body);
	}

	#reject(body: ErrorBody): void {
		this.state.error = body;
		this.state.status = 'rejected';
		this.#rejectHeld(new LiveError(body));
	}

	#rejectHeld(error: LiveError): void {
		for (const call of this.#held.splice(0)) this.#settle(call, error);
	}

	/** Ends the room: its last handle left, or the client closed. */
	end(): void {
		if (this.state.status === 'closed') return;
		const key = this.#key;
		const wasJoined = this.state.status === 'joined';
		this.#generation++;
		clearTimeout(this.#retryTimer);
		this.state.status = 'closed';
		if (key && wasJoined) this.#host.connectedSocket()?.emit(LEAVE, this.#ref);
		this.#rejectHeld(new LiveError(CLIENT_ERRORS.closed));
		this.#host.release(this);
	}

	get key(): string | undefined {
		return this.#key;
	}
}

/** Whether a HISTORY answer has the shape of a page: events as [payload, id] pairs, and `more`. */
function isHistoryPage(value: unknown): value is HistoryPage {
	if (typeof value !== 'object' || value === null) return false;
	const { events, more } = value as Partial<HistoryPage>;
	return (
		typeof more === 'boolean' &&
		Array.isArray(events) &&
		events.every((entry) => Array.isArray(entry) && (typeof entry[1] === 'string' || typeof entry[1] === 'number'))
	);
}
