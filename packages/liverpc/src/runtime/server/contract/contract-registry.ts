import type { RoomCall } from './call.js';
import { contractIdentityOf, MARKER, type ContractIdentity } from '../../shared/contract-marker.js';
import type { RoomEvent } from './event.js';
import type { RoomJoin } from './join.js';
import type { RoomPresence } from './presence.js';
import { compileRoutePattern, type RoutePattern } from './route-pattern.js';

/**
 * A `.socket.ts` module as imported: its exports by name.
 *
 * @example
 * ```ts
 * const contracts: Record<string, ContractModule> = { 'rooms/[roomId]/chat': await import('./chat.socket.js') };
 * ```
 */
export type ContractModule = Record<string, unknown>;

/** One room contract, ready to serve joins and calls. */
export interface RoomContract {
	pattern: RoutePattern;
	/** `event.route` of every membership: one object per contract, not one per join. */
	route: { readonly id: string };
	join: RoomJoin | undefined;
	/** Who is in the room, when the contract exports a presence(). */
	presence: RoomPresence | undefined;
	/** A Map, not an object: a call named `__proto__` or `constructor` must simply not exist. */
	calls: Map<string, RoomCall>;
	events: Map<string, RoomEvent>;
	/** Whether an event of the room has a `history`: then a join reads it. */
	histories: boolean;
}

// Members of a client room handle, and of liverpc/testing's room (received, next): a call
// with one of these names could not be reached.
const RESERVED_CALL_NAMES = new Set(['status', 'error', 'joined', 'resumed', 'presence', 'on', 'leave', 'then', 'received', 'next']);

/**
 * Compiles route ids and files each export of each module under its kind. Also stamps the
 * route id and export name onto every marker, which is how `message.emit()` knows its room
 * and how the client learns ids from the module it imports.
 *
 * @param modules route id (`rooms/[roomId]/chat`) to module namespace
 */
export function registerContracts(modules: Record<string, ContractModule>): Map<string, RoomContract> {
	const contracts = new Map<string, RoomContract>();
	for (const [id, module] of Object.entries(modules)) contracts.set(id, compileContract(id, module));
	return contracts;
}

/**
 * Serves a new version of a contract module (a file edited under `vite dev`). The contract
 * object is updated in place, so rooms already joined call the new handlers without a
 * rejoin; the route id, and so every room key, stays the same.
 */
export function replaceContract(contracts: Map<string, RoomContract>, id: string, module: ContractModule): void {
	const next = compileContract(id, module);
	const current = contracts.get(id);
	if (!current) {
		contracts.set(id, next);
		return;
	}
	current.join = next.join;
	current.presence = next.presence;
	current.calls = next.calls;
	current.events = next.events;
	current.histories = next.histories;
}

function compileContract(id: string, module: ContractModule): RoomContract {
	const pattern = compileRoutePattern(id);
	const contract: RoomContract = { pattern, route: Object.freeze({ id }), join: undefined, presence: undefined, calls: new Map(), events: new Map(), histories: false };

	for (const [name, value] of Object.entries(module)) {
		const identity = contractIdentityOf(value);
		if (!identity) continue;
		claim(identity, id, name);
		if (identity.kind === 'join') {
			if (contract.join) throw new Error(`Room '${id}' exports more than one join(): '${name}' and another`);
			contract.join = value as RoomJoin;
		} else if (identity.kind === 'presence') {
			if (contract.presence) throw new Error(`Room '${id}' exports more than one presence(): '${name}' and another`);
			contract.presence = value as RoomPresence;
		} else if (identity.kind === 'call') {
			if (RESERVED_CALL_NAMES.has(name)) {
				throw new Error(`Room '${id}': a call cannot be named '${name}', the room handle already uses that name`);
			}
			contract.calls.set(name, value as RoomCall);
		} else {
			const event = value as RoomEvent;
			event[MARKER].pattern = pattern;
			contract.events.set(name, event);
			if (event.history) contract.histories = true;
		}
	}
	// `call(enter, …)` and `presence(enter, …)` read what this room's guard admitted; another
	// room's guard (or none) would leave `event.member` unset while its type promises a value.
	const declaredWithJoin: Array<[what: string, guard: RoomJoin | undefined]> = [...contract.calls].map(([name, call]) => [`call '${name}'`, call.guard]);
	if (contract.presence) declaredWithJoin.push(['presence()', contract.presence.guard]);
	for (const [what, guard] of declaredWithJoin) {
		if (guard !== undefined && guard !== contract.join) {
			throw new Error(`Room '${id}': ${what} was declared with a join() this file does not export: pass the room's own join, as in call(enter, …)`);
		}
	}
	return contract;
}

function claim(identity: ContractIdentity, route: string, name: string) {
	if (identity.route !== undefined && (identity.route !== route || identity.name !== name)) {
		throw new Error(
			`Room '${route}' export '${name}' is already registered as '${identity.name}' of room '${identity.route}': each join(), call(), event() and presence() belongs to one export`
		);
	}
	identity.route = route;
	identity.name = name;
}
