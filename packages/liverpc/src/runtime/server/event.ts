import { MARKER, type ContractIdentity } from '../shared/contract-marker.js';
import { eventSinks } from './event-sinks.js';
import { roomKey } from './room-key.js';
import { compileRoutePattern, type RoutePattern } from './route-pattern.js';
import { socketEventStorage } from './socket-event-storage.js';
import type { RoomParams } from './types.js';

/** The server-side part of an event's marker: its route, compiled on first use. */
export interface EventIdentity extends ContractIdentity<'event'> {
	pattern?: RoutePattern;
}

/**
 * An event the server pushes to the members of a room; see {@link event}.
 *
 * @example
 * ```ts
 * export const typing: RoomEvent<{ userId: string }> = event<{ userId: string }>();
 * ```
 */
export interface RoomEvent<Payload = unknown> {
	readonly [MARKER]: EventIdentity;
	/**
	 * Sends to every member of the room whose join or call is being served, the caller
	 * included, in emit order.
	 */
	emit(payload: Payload): void;
	/** Picks a room by its params, for emits from outside a handler (a form action, a job). */
	to(params: RoomParams): { emit(payload: Payload): void };
	/** Type carrier for `liverpc/client`; never set at runtime. */
	readonly '~types'?: { payload: Payload };
}

/**
 * Declares an event the server pushes to room members; the type parameter is its payload.
 * Each emit is encoded once and handed to Socket.IO's room broadcast.
 *
 * @example
 * ```ts
 * export const message = event<{ id: number; text: string }>();
 * // in a handler of this room:
 * message.emit(saved);
 * // anywhere on the server:
 * message.to({ roomId: '42' }).emit(saved);
 * ```
 */
export function event<Payload = void>(): RoomEvent<Payload> {
	const identity: EventIdentity = { kind: 'event' };

	const deliver = (pattern: RoutePattern, key: string, payload: unknown) => {
		const name = identity.name!;
		for (const sink of eventSinks) sink(pattern.id, key, name, payload);
	};

	return {
		[MARKER]: identity,
		emit(payload) {
			const current = socketEventStorage.getStore();
			const pattern = registered(identity);
			if (!current) {
				throw new Error(
					`${identity.name}.emit() needs a room: call it inside a handler of '${pattern.id}', or use ${identity.name}.to(params).emit()`
				);
			}
			if (current.route.id !== pattern.id) {
				throw new Error(
					`${identity.name}.emit() belongs to room '${pattern.id}' but runs in a handler of '${current.route.id}': use ${identity.name}.to(params).emit()`
				);
			}
			deliver(pattern, roomKey(pattern, current.room), payload);
		},
		to(params) {
			const pattern = registered(identity);
			const resolved = pattern.resolve(params);
			if ('problem' in resolved) throw new TypeError(`${identity.name}.to(): ${resolved.problem} for room '${pattern.id}'`);
			const key = roomKey(pattern, resolved.room);
			return { emit: (payload) => deliver(pattern, key, payload) };
		}
	};
}

/**
 * The event's route, from the id stamped on its marker by registration or, in a Vite
 * build or dev server, by the plugin when the module is evaluated (#3).
 */
function registered(identity: EventIdentity): RoutePattern {
	if (identity.pattern) return identity.pattern;
	if (identity.route === undefined) {
		throw new Error('This event is not part of a room contract yet: export it from a .socket.ts file that is attached');
	}
	return (identity.pattern = compileRoutePattern(identity.route));
}
