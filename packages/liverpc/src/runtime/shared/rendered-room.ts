import { isErrorBody, type ErrorBody, type JoinAck } from './protocol.js';

/**
 * A room as a page's server render found it (`loadRoom()` in a `load`): the join's answer
 * without the membership (no key, no ref: the render holds no connection), or the refusal.
 * It travels to the browser in the page's data, and `live(contract, rendered)` continues from
 * its position: the browser's first join is a re-join from `join.log`, so the events written
 * between the render and that join arrive with it, and none twice.
 */
export interface RenderedRoomData {
	/** Marks the value as a rendered room for `live()`, which also takes plain params. */
	readonly '~liverpc': typeof RENDERED_ROOM;
	/** The contract's route id and the room's params, for the channel the browser opens. */
	readonly route: string;
	readonly params: Record<string, string>;
	/** The join as the render saw it; undefined when refused. */
	readonly join: Omit<JoinAck, 'room' | 'ref'> | undefined;
	/** The refusal (hook or guard), or a server error; undefined when admitted. */
	readonly error: ErrorBody | undefined;
}

/** The mark of a {@link RenderedRoomData}. */
export const RENDERED_ROOM = 'rendered-room';

/** Whether `value` looks like a {@link RenderedRoomData} (page data is checked like any input). */
export function isRenderedRoom(value: unknown): value is RenderedRoomData {
	if (typeof value !== 'object' || value === null) return false;
	const candidate = value as Partial<RenderedRoomData>;
	if (candidate['~liverpc'] !== RENDERED_ROOM || typeof candidate.route !== 'string') return false;
	if (typeof candidate.params !== 'object' || candidate.params === null) return false;
	if (!Object.values(candidate.params).every((param) => typeof param === 'string')) return false;
	if (candidate.error !== undefined) return isErrorBody(candidate.error);
	const join = candidate.join;
	return (
		typeof join === 'object' &&
		join !== null &&
		Array.isArray(join.log) &&
		typeof join.log[0] === 'string' &&
		typeof join.log[1] === 'number' &&
		typeof join.resumed === 'boolean' &&
		Array.isArray(join.events)
	);
}

/**
 * A {@link RenderedRoomData} of contract module `M`: what `loadRoom(contract, event)` returns
 * and `live(contract, rendered)` takes, so a page cannot continue a room of another contract.
 *
 * @example
 * ```ts
 * // +page.server.ts
 * export const load = async (event) => ({ chat: await loadRoom(chat, event) });
 * // +page.svelte: const room = $derived(live(chat, data.chat));
 * ```
 */
export interface RenderedRoom<M = unknown> extends RenderedRoomData {
	/** Type-level only: the contract module it was rendered from. Never set. */
	readonly '~contract'?: (contract: M) => void;
}
