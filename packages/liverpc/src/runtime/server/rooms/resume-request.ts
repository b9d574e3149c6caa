import { MARKER } from '../../shared/contract-marker.js';
import type { RoomContract } from '../contract/contract-registry.js';
import type { EventId } from '../contract/event.js';
import type { LogPosition } from './room-log.js';

/**
 * What a joining client says it already has, read from the JOIN packet's third argument:
 * nothing on a first join, or `[epoch, seq, lastEventIds?]` on a re-join after a reconnect.
 *
 * - `position`: where it was in the room's log, for the server's buffer;
 * - `lastEventIds`: per event declared with `id`, the id of the last one it received, for
 *   that event's `history` (the app's store) when the buffer cannot fill the gap.
 */
export interface ResumeRequest {
	position: LogPosition | undefined;
	lastEventIds: Readonly<Record<string, EventId>> | undefined;
}

/** A first join's request: no position, no ids (a page render asks as one). */
export const FIRST_JOIN: ResumeRequest = Object.freeze({ position: undefined, lastEventIds: undefined });
const MAX_EPOCH_LENGTH = 64;
const MAX_ID_LENGTH = 256;

/**
 * Reads the resume argument of a JOIN, which came from the wire: every field is checked for
 * its type and size before use. Returns undefined when it is malformed (the join is then
 * refused with 400); the values are never echoed.
 */
export function readResumeRequest(value: unknown, contract: RoomContract): ResumeRequest | undefined {
	if (value === undefined || value === null) return FIRST_JOIN;
	if (!Array.isArray(value) || value.length < 2 || value.length > 3) return undefined;
	const [epoch, seq, ids] = value as unknown[];
	if (typeof epoch !== 'string' || epoch.length > MAX_EPOCH_LENGTH) return undefined;
	if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0) return undefined;
	const position: LogPosition = [epoch, seq];
	if (ids === undefined || ids === null) return { position, lastEventIds: undefined };
	if (typeof ids !== 'object' || Array.isArray(ids)) return undefined;

	const lastEventIds: Record<string, EventId> = Object.create(null);
	let count = 0;
	for (const name of Object.keys(ids)) {
		// Only events of this room that carry ids; a contract has a handful of those.
		if (++count > contract.events.size) return undefined;
		const event = contract.events.get(name);
		if (!event || event[MARKER].idKey === undefined) return undefined;
		const id = (ids as Record<string, unknown>)[name];
		if (typeof id === 'number' ? !Number.isFinite(id) : typeof id !== 'string' || id.length > MAX_ID_LENGTH) return undefined;
		lastEventIds[name] = id as EventId;
	}
	return { position, lastEventIds };
}
