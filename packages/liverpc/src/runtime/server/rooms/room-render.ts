import type { ErrorBody, JoinEvent } from '../../shared/protocol.js';
import { RENDERED_ROOM, type RenderedRoomData } from '../../shared/rendered-room.js';
import type { RoomContract } from '../contract/contract-registry.js';
import { replyError } from '../contract/error-reply.js';
import { isAdmission } from '../contract/join.js';
import type { RenderRequest } from '../contract/room-renderers.js';
import { roomKey } from '../contract/room-key.js';
import { socketEventStorage } from '../contract/socket-event-storage.js';
import type { MemberEvent, SocketEvent } from '../contract/types.js';
import { localsOfRequest } from '../gate/request-locals.js';
import type { SocketHooks } from '../gate/socket-hook.js';
import type { LiveSettings } from '../options/live-options.js';
import { newestJoinEvents } from './join-reply-cap.js';
import { appendMissedEvents, readHistories } from './room-membership.js';
import { FIRST_JOIN } from './resume-request.js';
import type { RoomEventLog } from './room-log.js';
import type { RoomPresences } from './room-presence.js';

/** What a render reads, at its start: the cluster's once the server scales out over Redis. */
type RoomServices = { readonly logs: RoomEventLog; readonly presences: RoomPresences };

/**
 * A join without a connection, for a page rendering on the server: the steps of a first
 * join in `room-membership.ts` — the room's log position before the guard, the guard, the
 * histories, the events logged meanwhile, the same caps — with no membership at the end.
 * The position it answers with is where the browser's own join continues from, so an event
 * emitted at any moment reaches the page once: in the render, or in that join.
 *
 * Nothing outlives the call: the log is held only while it runs (as a join holds it), and a
 * refusal or failure comes back as the rendered room's `error`, the body a join would get.
 */
export async function renderRoom(
	contract: RoomContract,
	params: unknown,
	page: RenderRequest,
	hooks: SocketHooks,
	settings: LiveSettings,
	rooms: RoomServices
): Promise<RenderedRoomData> {
	const resolved = contract.pattern.resolve(params);
	// The params come from the page's own code (its route's params), not from a client.
	if ('problem' in resolved) throw new TypeError(`loadRoom(): ${resolved.problem} for room '${contract.pattern.id}'`);
	const base = { '~liverpc': RENDERED_ROOM, route: contract.route.id, params: resolved.params } as const;
	const label = `render ${contract.pattern.id}`;
	let event: SocketEvent | undefined;
	try {
		const locals = await localsOfRequest(hooks, page, settings.options);
		event = { locals, params: resolved.params, route: contract.route, room: resolved.room, connectionId: '' };
		const join = await renderJoin(contract, event, roomKey(contract.pattern, resolved.room), settings, rooms);
		return { ...base, join, error: undefined };
	} catch (thrown) {
		const error = await new Promise<ErrorBody>((resolve) => replyError(resolve, thrown, { label, event, handleError: hooks.handleError }));
		return { ...base, join: undefined, error };
	}
}

async function renderJoin(contract: RoomContract, event: SocketEvent, key: string, settings: LiveSettings, rooms: RoomServices): Promise<RenderedRoomData['join']> {
	const { logs, presences } = rooms;
	try {
		// 1. Where the room's log stands before the guard: what is logged after it goes in too.
		const startLog = await logs.open(key, undefined);
		const startSeq = startLog.seq;
		// 2. The guard, in the join's event, so `getSocketEvent()` works in it as in a join.
		const admission = contract.join ? await socketEventStorage.run(event, contract.join.handler, event) : undefined;
		let reply = admission;
		if (isAdmission(admission)) {
			(event as MemberEvent).member = admission.member;
			reply = admission.reply;
		}
		// 3. The histories, as on a first join, then what was logged since step 1.
		const { maxJoinEvents, maxJoinBytes } = settings.options.limits;
		const history = contract.histories ? await readHistories(contract, event, FIRST_JOIN, maxJoinEvents) : undefined;
		const log = logs.current(key) ?? startLog;
		const all: JoinEvent[] = history ? history.events : [];
		let resumed = appendMissedEvents(all, log, startLog, startSeq, undefined, history);
		const capped = newestJoinEvents(all, maxJoinEvents, maxJoinBytes);
		if (capped.capped) resumed = false;
		const join: NonNullable<RenderedRoomData['join']> = { reply, log: [log.epoch, log.seq], resumed, events: capped.events };
		if (contract.presence) join.presence = presences.peek(key);
		return join;
	} finally {
		logs.release(key);
	}
}
