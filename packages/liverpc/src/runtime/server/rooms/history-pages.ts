import type { Socket } from 'socket.io';
import { MARKER } from '../../shared/contract-marker.js';
import type { ErrorBody, HistoryPage } from '../../shared/protocol.js';
import { eventIdOf, type EventId, type HistoryEvent, type RoomEvent } from '../contract/event.js';
import { REFUSAL_SITE, replyError } from '../contract/error-reply.js';
import { SocketError } from '../contract/socket-error.js';
import { socketEventStorage } from '../contract/socket-event-storage.js';
import type { SocketEvent } from '../contract/types.js';
import { membershipByRef } from '../gate/connection-state.js';
import { admitCall, budgetOf } from '../gate/packet-gate.js';
import type { SocketHooks } from '../gate/socket-hook.js';
import { newestJoinEvents } from './join-reply-cap.js';

// Older events, page by page: a member of a room asks for the events of one kind older than
// the oldest it lists (`loadEarlier()` of a liveList), and the event's own `history` reads
// them from the app's store, with `before` set. Every field of the request came from the
// client: checked here, never repeated back. The packet gate counts each request against the
// connection's and the user's call rate, and it takes a place among the calls in flight
// while the store is read, so pages cost what calls cost and no more.

/** The most events one page holds, whatever the client asks: what a reader scrolls back through at once. */
export const MAX_PAGE_EVENTS = 100;
/** The longest string id a page may start before: as long as a join's `lastEventId` may be. */
export const MAX_BEFORE_LENGTH = 256;

// Fixed texts: an event name or id the client made up is never carried back in an answer.
const NOT_A_MEMBER = new SocketError(404, 'Not a member of this room: join it first');
const NO_SUCH_HISTORY = new SocketError(404, 'No event with a history of that name in this room');
const INVALID_PAGE = new SocketError(400, 'Invalid history request: before is an event id, limit a whole number of 1 or more');

type PageAck = (error: ErrorBody | null, page?: HistoryPage) => void;

/** A page request once checked: the id to read before, and how many events at most. */
export interface PageRequest {
	before: EventId;
	limit: number;
}

/**
 * Checks a page request off the wire: `before` a non-empty string of at most
 * {@link MAX_BEFORE_LENGTH} characters or a finite number, `limit` a safe integer from 1.
 * The limit is cut to {@link MAX_PAGE_EVENTS} and to `maxEvents` (`limits.maxJoinEvents`).
 * Undefined for anything else.
 *
 * @example
 * ```ts
 * readPageRequest(120, 50, 500); // { before: 120, limit: 50 }
 * readPageRequest({ $gt: 0 }, 50, 500); // undefined
 * ```
 */
export function readPageRequest(before: unknown, limit: unknown, maxEvents: number): PageRequest | undefined {
	const validBefore =
		(typeof before === 'number' && Number.isFinite(before)) ||
		(typeof before === 'string' && before.length > 0 && before.length <= MAX_BEFORE_LENGTH);
	if (!validBefore || typeof limit !== 'number' || !Number.isSafeInteger(limit) || limit < 1) return undefined;
	return { before: before as EventId, limit: Math.max(1, Math.min(limit, MAX_PAGE_EVENTS, maxEvents)) };
}

/**
 * Runs an event's `history` for one page, in the member's event (its `locals`, `params` and
 * `member`), and shapes the answer: at most `request.limit` events, the newest if it returned
 * more, within `maxBytes` of JSON, each with its id. `more` is what the history said
 * (`{ events, complete }`), or for a plain array whether it was full; a page cut to fit says
 * `more` too. Rejects with what the history threw, or a `TypeError` for a result that is no
 * history's (500s: the app's fault, logged, never shown).
 *
 * @example
 * ```ts
 * const page = await readHistoryPage(roomEvent, 'message', membership.event, { before: 120, limit: 50 }, limits.maxJoinBytes);
 * ack(null, page);
 * ```
 */
export async function readHistoryPage(roomEvent: RoomEvent, name: string, event: SocketEvent, request: PageRequest, maxBytes: number): Promise<HistoryPage> {
	const history = roomEvent.history!;
	const idKey = roomEvent[MARKER].idKey!;
	const input: HistoryEvent = { ...event, lastEventId: undefined, before: request.before, limit: request.limit };
	const returned = await socketEventStorage.run(event, history, input);
	const payloads = Array.isArray(returned) ? returned : (returned as { events?: unknown } | null)?.events;
	if (!Array.isArray(payloads)) throw new TypeError(`The history of event '${name}' returned neither an array nor { events, complete }`);
	let more = Array.isArray(returned) ? payloads.length >= request.limit : (returned as { complete?: unknown }).complete === false;
	// A history that ignores `limit` is read no further than the page: its newest that fit.
	const kept = payloads.length > request.limit ? payloads.slice(-request.limit) : payloads;
	if (kept !== payloads) more = true;
	const events = kept.map((payload): [unknown, EventId] => [payload, eventIdOf(payload, idKey, name)]);
	const capped = newestJoinEvents(events, request.limit, maxBytes);
	return { events: capped.events, more: more || capped.capped };
}

/**
 * Serves HISTORY for every connection of one server, `this` being the connection: finds
 * the membership by its ref and the event by its name, checks the request, takes a place
 * among the connection's calls in flight, reads the page and answers it. Any failure is
 * answered through `replyError`: refusals with their fixed body, the history's own errors as
 * 500s with an error id.
 */
export function createHistoryListener(hooks: SocketHooks) {
	return function onHistory(this: Socket, ...args: unknown[]): void {
		// Socket.IO passes the ack last, whatever the client sent before it.
		const given = args.length - 1;
		const ack = args[given];
		if (given < 0 || typeof ack !== 'function') return; // nobody to answer
		const reply = ack as PageAck;
		const [ref, name, before, limit] = [0, 1, 2, 3].map((index) => (index < given ? args[index] : undefined));

		const membership = membershipByRef(this, ref);
		if (!membership) return replyError(reply, NOT_A_MEMBER, REFUSAL_SITE);
		const roomEvent = typeof name === 'string' ? membership.contract.events.get(name) : undefined;
		if (!roomEvent?.history || roomEvent[MARKER].idKey === undefined) return replyError(reply, NO_SUCH_HISTORY, REFUSAL_SITE);
		const budget = budgetOf(this);
		const request = readPageRequest(before, limit, budget.limits.maxJoinEvents);
		if (!request) return replyError(reply, INVALID_PAGE, REFUSAL_SITE);
		const refusal = admitCall(budget);
		if (refusal) return replyError(reply, refusal, REFUSAL_SITE);

		const site = { label: `history ${membership.contract.pattern.id}#${name as string}`, event: membership.event, handleError: hooks.handleError };
		readHistoryPage(roomEvent, name as string, membership.event, request, budget.limits.maxJoinBytes).then(
			(page) => {
				budget.callsInFlight--;
				try {
					reply(null, page);
				} catch (thrown) {
					replyError(reply, thrown, site); // a payload that does not encode
				}
			},
			(thrown: unknown) => {
				budget.callsInFlight--;
				replyError(reply, thrown, site);
			}
		);
	};
}
