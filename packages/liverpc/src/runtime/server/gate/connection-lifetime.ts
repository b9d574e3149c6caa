import type { IncomingHttpHeaders } from 'node:http';
import { consoleLogger, writeLog } from '../telemetry/live-logger.js';
import type { Socket } from 'socket.io';
import { ENDED, type ErrorBody } from '../../shared/protocol.js';
import { connectionData, membershipByRef, membershipsOf, removeMembership, type Membership } from './connection-state.js';
import { toErrorBody } from '../contract/error-reply.js';
import { isAdmission } from '../contract/join.js';
import { LifetimeSchedule } from './lifetime-schedule.js';
import type { LiveSettings, ResolvedOptions } from '../options/live-options.js';
import { keyRoom, readHookKeys, revocationTicket, revokedSince } from '../contract/revocation.js';
import { SocketError } from '../contract/socket-error.js';
import { socketEventStorage } from '../contract/socket-event-storage.js';
import { assertHookResult, HandshakeInput, type SocketHookResult, type SocketHooks } from './socket-hook.js';
import type { MemberEvent, SocketEvent } from '../contract/types.js';

// Connection lifetime: `locals` are made once per handshake, so without a deadline a session
// deleted or expired on the server without `revoke()` would leave the open socket acting as
// its user for as long as it stays up (receiving events, storing sends, re-joining). So every
// connection's locals hold until a deadline: the `expires` its hook returned,
// capped by `localsMaxAge`. Then the hook runs again with the handshake's cookies:
// - still valid: new locals and keys, every join guard run again with them; a membership
//   whose guard now refuses ends with that refusal (an ENDED packet: the page's room shows
//   'rejected' with the error), the others carry on unseen;
// - refused (a 4xx from the hook): every membership ends with the refusal, and the
//   connection is closed, so its client reconnects through the handshake (where the hook
//   refuses again, or admits it as whoever the cookie says now);
// - an outage (a 5xx, or no answer in time): tried again with backoff, and if the hook has not
//   answered within RECHECK_BUDGET_MS the connection is closed: its client reconnects through
//   the normal handshake, so an outage of the session store logs nobody out, and stale
//   locals live at most that much past their deadline.
// From the deadline until the re-check ends, joins and calls of the connection wait (they
// run with the new locals, or not at all): nothing runs on locals past their deadline.

/** How long one re-check may take, hook retries and join guards included, before the connection is closed. */
export const RECHECK_BUDGET_MS = 10_000;
/** The first retry of a hook that failed with a 5xx waits about this long; each next one twice as long. */
const RETRY_BASE_MS = 500;
/** The soonest a re-check follows the last one, whatever `expires` says (a hook returning a past time). */
export const MIN_LIFETIME_MS = 250;
/**
 * Spread of the deadlines: connections made at once (a deploy, a network coming back) do
 * not all re-check in the same tick. A `localsMaxAge` deadline comes up to 10 % (at most
 * 30 s) early; the re-check of an `expires` deadline runs up to 10 % of the lifetime (at
 * most 1 s) late, while the connection's packets wait from the exact `expires` on.
 */
const SPREAD = 0.1;
const MAX_EARLY_MS = 30_000;
const MAX_LATE_MS = 1_000;

const RECHECK_TIMED_OUT = new SocketError(503, 'The session could not be checked in time');
const SESSION_CHANGED = new SocketError(503, 'The session changed while it was checked');

/** The headers a re-check gives the hook: its credentials, and what `url` is built from. */
const KEPT_HEADERS = ['cookie', 'authorization', 'host'] as const;

/**
 * One connection's lifetime, and the part of its handshake a re-check gives the hook, kept
 * after the rest is released (handshake-release.ts): the URL, the client's address, whether
 * it came over TLS, and only the headers the hook's input reads or authenticates with (see
 * {@link KEPT_HEADERS}), as a flat array. A class with fixed fields: one is kept per
 * connection for its whole life, so it is one compact object, not several.
 */
class Lifetime {
	/** Epoch ms until which the locals hold; packets after it wait for the re-check. */
	deadline: number;
	/** When the schedule re-checks an idle connection: the deadline, spread (see SPREAD). */
	checkAt: number;
	/** Its slot in the schedule, or -1 while not filed. */
	slot = -1;
	/** The re-check under way, if any. */
	recheck: Promise<void> | undefined = undefined;
	/** Joins of this connection whose guard is running: a re-check waits for them. */
	joining = 0;
	/** Called when `joining` drops to 0 while a re-check waits for it. */
	joinsSettled: (() => void) | undefined = undefined;
	readonly url: string;
	readonly secure: boolean;
	readonly address: string;
	/** name, value, name, value… */
	readonly headers: string[];

	constructor(when: { deadline: number; checkAt: number }, handshake: Socket['handshake'], headers: string[]) {
		this.deadline = when.deadline;
		this.checkAt = when.checkAt;
		this.url = handshake.url;
		this.secure = handshake.secure;
		this.address = handshake.address;
		this.headers = headers;
	}

	/** What HandshakeInput reads of a handshake, rebuilt for one re-check. */
	handshake(): Socket['handshake'] {
		const headers: IncomingHttpHeaders = {};
		for (let i = 0; i < this.headers.length; i += 2) headers[this.headers[i]!] = this.headers[i + 1]!;
		return { url: this.url, secure: this.secure, address: this.address, headers } as Socket['handshake'];
	}
}

// On the socket under a symbol: out of `socket.data`, which adapters serialise.
const LIFETIME = Symbol('liverpc.lifetime');
type LivingSocket = Socket & { [LIFETIME]?: Lifetime };

/**
 * Reads the `expires` a socket hook returned: undefined when it returned none, else epoch ms.
 * Throws a `TypeError` naming the problem, which refuses the handshake with a 500.
 */
export function readHookExpires(value: unknown): number | undefined {
	if (value === undefined || value === null) return undefined;
	const ms = value instanceof Date ? value.getTime() : value;
	if (typeof ms !== 'number' || Number.isNaN(ms)) {
		throw new TypeError("The socket hook's expires must be a Date or a time in ms since the epoch, e.g. session.expiresAt");
	}
	return ms;
}

/** Until when new locals hold, and when an idle connection is re-checked; undefined: for ever. */
export function lifetimeDeadline(expires: number | undefined, maxAge: number, now: number): { deadline: number; checkAt: number } | undefined {
	const capped = maxAge === Infinity ? Infinity : now + maxAge - Math.random() * Math.min(maxAge * SPREAD, MAX_EARLY_MS);
	if (expires === undefined || expires >= capped) {
		if (capped === Infinity) return undefined;
		const deadline = Math.max(capped, now + MIN_LIFETIME_MS);
		return { deadline, checkAt: deadline };
	}
	const deadline = Math.max(expires, now + MIN_LIFETIME_MS);
	return { deadline, checkAt: deadline + Math.random() * Math.min((deadline - now) * SPREAD, MAX_LATE_MS) };
}

/**
 * Keeps what a re-check of this connection will need, before the handshake is released:
 * called by the handshake middleware once the hook admitted it. The bytes kept per
 * connection are those of the cookie, `authorization` and `host` headers, the handshake URL
 * and the address (and any configured proxy header), plus about 200 bytes of objects.
 */
export function keepForRecheck(socket: Socket, expires: number | undefined, options: ResolvedOptions): void {
	const when = lifetimeDeadline(expires, options.localsMaxAge, Date.now());
	if (!when) return;
	const handshake = socket.handshake;
	const headers: string[] = [];
	const proxy = options.proxy;
	for (const name of [...KEPT_HEADERS, proxy.protocolHeader, proxy.hostHeader, proxy.portHeader, proxy.addressHeader]) {
		if (name === undefined) continue;
		const value = handshake.headers[name];
		// Node joins repeated headers into one string, but for set-cookie; none of these is that.
		if (typeof value === 'string') headers.push(name, value);
	}
	(socket as LivingSocket)[LIFETIME] = new Lifetime(when, handshake, headers);
}

/** What a server does with its connections' lifetimes; made once per server. */
export interface ConnectionLifetimes {
	/** A connection was admitted: its re-check is scheduled. */
	start(socket: Socket): void;
	/** A connection ended: its re-check is forgotten. */
	end(socket: Socket): void;
	/**
	 * Wraps a JOIN or CALL listener: past the deadline, the packet waits for the re-check.
	 * A JOIN's guard may still be running with the old locals when the deadline comes: its
	 * ack is wrapped so the re-check waits for it, then checks that membership too.
	 */
	holdWhileStale<L extends (this: Socket, ...args: unknown[]) => void>(listener: L, kind: 'join' | 'call'): L;
	/** Checks a connection now (as its deadline would); resolves when done. */
	recheck(socket: Socket): Promise<void>;
	stop(): void;
}

type HookOutcome = { result: SocketHookResult; keys: string[] | undefined; expires: number | undefined } | { body: ErrorBody };
type HookAdmitted = Extract<HookOutcome, { result: unknown }>;

/**
 * The one thing a lifetime needs of the rooms: a membership it ends leaves the room's
 * presence. Read on every use, since `vite dev` may scale out after the server was made.
 */
export interface PresenceLeaving {
	readonly presences: { leave(socket: Socket, membership: Membership): void };
}

/** What the re-check steps of one server share: made once per server, never per packet. */
interface Rechecks {
	readonly hooks: SocketHooks;
	readonly settings: LiveSettings;
	readonly rooms: PresenceLeaving;
	readonly schedule: LifetimeSchedule<LivingSocket>;
}

/**
 * Runs the socket hook again for each connection whose locals reached their deadline; see
 * the comment at the top of this module.
 */
export function createConnectionLifetimes(hooks: SocketHooks, settings: LiveSettings, rooms: PresenceLeaving): ConnectionLifetimes {
	const server: Rechecks = {
		hooks,
		settings,
		rooms,
		schedule: new LifetimeSchedule<LivingSocket>((socket) => {
			const lifetime = socket[LIFETIME];
			if (lifetime) lifetime.slot = -1;
			void recheck(server, socket);
		})
	};
	return {
		start(socket) {
			const lifetime = (socket as LivingSocket)[LIFETIME];
			if (lifetime) file(server.schedule, socket, lifetime);
		},
		end(socket) {
			const lifetime = (socket as LivingSocket)[LIFETIME];
			if (!lifetime) return;
			unfile(server.schedule, socket, lifetime);
			(socket as LivingSocket)[LIFETIME] = undefined;
		},
		holdWhileStale<L extends (this: Socket, ...args: unknown[]) => void>(listener: L, kind: 'join' | 'call'): L {
			return holdListener(server, listener, kind);
		},
		recheck: (socket) => recheck(server, socket),
		stop: () => server.schedule.stop()
	};
}

/** Files the connection in the schedule for its `checkAt`, moving it if it was filed. */
function file(schedule: LifetimeSchedule<LivingSocket>, socket: LivingSocket, lifetime: Lifetime): void {
	if (lifetime.slot >= 0) schedule.remove(socket, lifetime.slot);
	lifetime.slot = schedule.add(socket, lifetime.checkAt);
}

/** Takes the connection out of the schedule, if it was filed. */
function unfile(schedule: LifetimeSchedule<LivingSocket>, socket: LivingSocket, lifetime: Lifetime): void {
	if (lifetime.slot >= 0) schedule.remove(socket, lifetime.slot);
	lifetime.slot = -1;
}

/**
 * The JOIN or CALL listener as registered: made once per listener, not per packet. Before
 * the deadline the packet runs at once (a join counted until answered); past it, or while a
 * re-check runs, it waits for the re-check.
 */
function holdListener<L extends (this: Socket, ...args: unknown[]) => void>(server: Rechecks, listener: L, kind: 'join' | 'call'): L {
	return function (this: LivingSocket) {
		const lifetime = this[LIFETIME];
		// eslint-disable-next-line prefer-rest-params -- a pass-through, no array made on the hot path
		const args = arguments as unknown as unknown[];
		if (!lifetime) return listener.apply(this, args);
		if (lifetime.recheck === undefined && Date.now() < lifetime.deadline) {
			if (kind === 'join') countJoin(lifetime, args);
			return listener.apply(this, args);
		}
		runAfterRecheck(server, this, listener, kind, args);
	} as L;
}

/** Runs a packet held past the deadline once the re-check is over, if the connection is still up. */
function runAfterRecheck(server: Rechecks, socket: LivingSocket, listener: (this: Socket, ...args: unknown[]) => void, kind: 'join' | 'call', args: unknown[]): void {
	void recheck(server, socket).then(() => {
		if (!socket.connected) return; // refused or closed: the client's call is lost, and held by it
		const renewed = socket[LIFETIME];
		// Counted only once it runs: a re-check waiting for a join it holds would wait in vain.
		if (renewed && kind === 'join') countJoin(renewed, args);
		try {
			listener.apply(socket, args);
		} catch (thrown) {
			writeLog(server.settings.options.logger ?? consoleLogger, 'error', { connectionId: socket.id, err: thrown }, 'a listener held for a re-check threw');
		}
	});
}

/** Starts the connection's re-check, or joins the one under way; resolves when it is over. */
function recheck(server: Rechecks, socket: LivingSocket): Promise<void> {
	const lifetime = socket[LIFETIME];
	if (!lifetime) return Promise.resolve();
	if (lifetime.recheck) return lifetime.recheck;
	unfile(server.schedule, socket, lifetime);
	const done = checkAgain(server, socket, lifetime).catch((thrown: unknown) => {
		// A bug of LiveRPC's: nothing may run on stale locals, so the connection goes.
		writeLog(server.settings.options.logger ?? consoleLogger, 'error', { connectionId: socket.id, err: thrown }, 'the re-check of a connection failed');
		socket.disconnect(true);
	});
	lifetime.recheck = done.finally(() => (lifetime.recheck = undefined));
	return lifetime.recheck;
}

/** Runs the hook until it admits (renew), refuses (close), or the budget is spent (close). */
async function checkAgain(server: Rechecks, socket: LivingSocket, lifetime: Lifetime): Promise<void> {
	const budgetEnd = Date.now() + RECHECK_BUDGET_MS;
	for (let attempt = 0; ; attempt++) {
		const outcome = await runHook(server, lifetime, budgetEnd);
		if (!socket.connected) return;
		if ('result' in outcome) return renew(server, socket, lifetime, outcome, budgetEnd);
		if (outcome.body.status < 500) return refuse(server, socket, outcome.body);
		// An outage of the session store is nobody's sign-out: try again, within the budget.
		const wait = RETRY_BASE_MS * 2 ** attempt * (0.5 + Math.random() / 2);
		if (Date.now() + wait >= budgetEnd) {
			// Stale locals live no longer: the client reconnects through the handshake.
			socket.disconnect(true);
			return;
		}
		await new Promise((resolve) => setTimeout(resolve, wait));
		if (!socket.connected) return;
	}
}

/**
 * The hook refuses these credentials now: every room ends with its refusal, and the
 * connection, which could otherwise still act, is closed.
 */
function refuse(server: Rechecks, socket: Socket, body: ErrorBody): void {
	for (const membership of membershipsOf(socket)) endMembership(server, socket, membership, body);
	socket.disconnect(true);
}

/** Runs the socket hook once with the kept handshake: new locals, keys and expiry, or an error body. */
async function runHook(server: Rechecks, lifetime: Lifetime, budgetEnd: number): Promise<HookOutcome> {
	const { hooks, settings } = server;
	const hook = hooks.handle;
	const ticket = revocationTicket();
	try {
		const input = new HandshakeInput(lifetime.handshake(), settings.options);
		const result: unknown = await withinBudget(Promise.resolve().then(() => (hook ? hook(input) : { locals: {} })), budgetEnd);
		assertHookResult(result);
		const keys = readHookKeys(result.keys ?? settings.options.keys?.(result.locals));
		const expires = readHookExpires(result.expires);
		// A revoke() while the hook ran: what it read may be what was revoked.
		if (revokedSince(ticket, keys)) throw SESSION_CHANGED;
		return { result, keys, expires };
	} catch (thrown) {
		return { body: await toErrorBody(thrown, { label: 'socket hook (lifetime re-check)', event: undefined, handleError: hooks.handleError }) };
	}
}

/** The hook admitted: once running joins settle, the new locals are taken, every guard runs again, the next deadline is filed. */
async function renew(server: Rechecks, socket: LivingSocket, lifetime: Lifetime, outcome: HookAdmitted, budgetEnd: number): Promise<void> {
	// A join admitted with the old locals after this point would escape the guards below.
	try {
		await joinsSettled(lifetime, budgetEnd);
	} catch {
		socket.disconnect(true); // a guard that never answers: the client reconnects through the handshake
		return;
	}
	if (!socket.connected) return;
	adoptLocals(socket, outcome);
	await Promise.all(membershipsOf(socket).map((membership) => guardAgain(server, socket, membership, outcome.result.locals, budgetEnd)));
	if (!socket.connected) return;
	fileNextDeadline(server, socket, lifetime, outcome.expires);
}

/** Puts the new locals and keys on the connection, and moves it from the old keys' rooms to the new ones'. */
function adoptLocals(socket: LivingSocket, outcome: HookAdmitted): void {
	const data = connectionData(socket);
	const before = data.keys ?? [];
	const after = outcome.keys ?? [];
	data.locals = outcome.result.locals;
	if (outcome.keys) data.keys = outcome.keys;
	else delete data.keys;
	// The keys are rooms of the connection, for revoke() and pushes: moved to the new ones.
	for (const key of before) if (!after.includes(key)) void socket.leave(keyRoom(key));
	const joining = after.filter((key) => !before.includes(key)).map(keyRoom);
	if (joining.length > 0) void socket.join(joining);
}

/** Sets the renewed locals' deadline and files the next re-check; none if they now hold for ever. */
function fileNextDeadline(server: Rechecks, socket: LivingSocket, lifetime: Lifetime, expires: number | undefined): void {
	const next = lifetimeDeadline(expires, server.settings.options.localsMaxAge, Date.now());
	if (!next) {
		lifetime.deadline = Infinity;
		return;
	}
	lifetime.deadline = next.deadline;
	lifetime.checkAt = next.checkAt;
	file(server.schedule, socket, lifetime);
}

/** Runs a membership's join guard with the new locals: admitted, it carries on with them; refused, it ends. */
async function guardAgain(server: Rechecks, socket: Socket, membership: Membership, locals: App.SocketLocals, budgetEnd: number): Promise<void> {
	const { contract } = membership;
	const event: SocketEvent = { ...membership.event, locals, connectionId: socket.id };
	delete (event as Partial<MemberEvent>).member;
	try {
		const join = contract.join;
		const result: unknown = join ? await withinBudget(Promise.resolve().then(() => socketEventStorage.run(event, join.handler, event)), budgetEnd) : undefined;
		if (isAdmission(result)) (event as MemberEvent).member = result.member;
		// Calls from now on see the new locals (and member); the join reply is not sent again.
		if (membershipByRef(socket, membership.ref) === membership) membership.event = event;
	} catch (thrown) {
		const body = await toErrorBody(thrown, { label: `join ${contract.pattern.id} (lifetime re-check)`, event, handleError: server.hooks.handleError });
		endMembership(server, socket, membership, body);
	}
}

/** Ends a membership as a leave would, and tells the client why. */
function endMembership(server: Rechecks, socket: Socket, membership: Membership, body: ErrorBody): void {
	if (membershipByRef(socket, membership.ref) !== membership) return; // left meanwhile
	removeMembership(socket, membership);
	server.rooms.presences.leave(socket, membership);
	void socket.leave(membership.key);
	socket.emit(ENDED, membership.key, body);
}

/**
 * Counts a join until it is answered (its ack, the last argument, is called once by the
 * join listener, whatever the outcome), so that a re-check can wait for the joins whose
 * guard ran with the old locals. A join without an ack is not answered, and not counted.
 */
function countJoin(lifetime: Lifetime, args: unknown[]): void {
	const last = args.length - 1;
	const ack = args[last];
	if (typeof ack !== 'function') return;
	lifetime.joining++;
	let answered = false;
	args[last] = function (this: unknown) {
		if (!answered) {
			answered = true;
			if (--lifetime.joining === 0) lifetime.joinsSettled?.();
		}
		// eslint-disable-next-line prefer-rest-params -- a pass-through
		return (ack as (...reply: unknown[]) => unknown).apply(this, arguments as unknown as unknown[]);
	};
}

/** Resolves once no join of the connection is running, or the budget is spent. */
function joinsSettled(lifetime: Lifetime, budgetEnd: number): Promise<void> {
	if (lifetime.joining === 0) return Promise.resolve();
	return withinBudget(new Promise<void>((resolve) => (lifetime.joinsSettled = resolve)), budgetEnd).finally(() => (lifetime.joinsSettled = undefined));
}

/** Rejects with a 503 once the re-check's budget is spent. */
function withinBudget<T>(work: Promise<T>, budgetEnd: number): Promise<T> {
	let timer: ReturnType<typeof setTimeout> | undefined;
	const timeout = new Promise<never>((_, reject) => {
		timer = setTimeout(() => reject(RECHECK_TIMED_OUT), Math.max(0, budgetEnd - Date.now()));
	});
	return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
