import * as defaultParser from 'socket.io-parser';
import type { Packet } from 'socket.io-parser';
import type { Socket } from 'socket.io';
import { CALL, HISTORY, JOIN, LEAVE, type ErrorBody } from '../../shared/protocol.js';
import { REFUSAL_SITE, replyError } from '../contract/error-reply.js';
import type { LiveLimits } from '../options/live-options.js';
import type { SharedBudget } from './shared-budgets.js';
import { SocketError } from '../contract/socket-error.js';
import { TokenBucket } from '../support/token-bucket.js';

// Where every packet a client sends is checked before Socket.IO acts on it. One bad
// packet once stopped the whole process: Socket.IO spreads an event's arguments into the
// listener call (`emit(...args)`), so a `c` packet with 80k arguments threw a RangeError
// from inside its own callbacks. Here each decoded packet is looked at first, while it is
// still one array:
// - CONNECT: one namespace socket per Engine.IO connection, pending or open, and a bound
//   on how often a connection may try (each attempt runs the socket hook);
// - events: only LiveRPC's four, with no more arguments than the protocol has, and within
//   the connection's call and join rates (a page of older events counts as a call);
// - a refused event that expects an answer is rewritten into REFUSED with a fixed body, so
//   the caller gets a clear error while its own arguments go no further;
// - a connection that keeps being refused, or breaks the protocol, is closed.
// Limits that depend on state (calls still running, rooms held) are checked by the
// listeners through the same connection's budget: see `admitCall` and `admitJoin`. Those
// refusals do not count towards closing the connection: a page may well hold its rooms or
// wait on slow calls; only a client that ignores the rate limits or the protocol is cut off.

/** The internal event a refused packet becomes; a client sending it is refused too. */
export const REFUSED = '~refused';

/** What a refused packet is answered with: expected errors, answered through `replyError`. */
export const REFUSALS = {
	malformed: new SocketError(400, 'Malformed packet: not LiveRPC protocol'),
	unknownEvent: new SocketError(400, 'Unknown event: LiveRPC only serves joins, leaves and calls'),
	callRate: new SocketError(429, 'Too many calls: slow down'),
	joinRate: new SocketError(429, 'Too many joins: slow down'),
	userCallRate: new SocketError(429, 'Too many calls from this user: slow down'),
	userJoinRate: new SocketError(429, 'Too many joins from this user: slow down'),
	callsInFlight: new SocketError(429, 'Too many calls in flight on this connection'),
	rooms: new SocketError(429, 'Too many rooms on this connection: leave one first')
};
for (const refusal of Object.values(REFUSALS)) Object.freeze(refusal.body);

/** Each refusal's name in metrics and logs (`call-rate`, `malformed`, …). */
const REFUSAL_KINDS = new Map<unknown, string>(Object.entries(REFUSALS).map(([name, refusal]) => [refusal, name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)]));

/** The name of one of the packet gate's refusals, or undefined for anything else. */
export function refusalKind(refusal: unknown): string | undefined {
	return REFUSAL_KINDS.get(refusal);
}

/** The most arguments (event name included) each client event has on the wire. */
const ARITY: Record<string, number> = { [JOIN]: 4, [CALL]: 7, [HISTORY]: 5, [LEAVE]: 2 };

// Each CONNECT runs the socket hook; a client needs one per connection, and a few more
// when a 5xx from the hook makes it retry with backoff on the same connection.
const HANDSHAKE_BURST = 5;
const HANDSHAKES_PER_SECOND = 0.5;
// Refusals a connection may collect before it is closed: enough for an app that bursts
// past a limit now and then, not for one that ignores the 429s.
const REFUSAL_BURST = 50;
const REFUSALS_FORGIVEN_PER_SECOND = 5;

/** Thrown from the decoder: Socket.IO then closes the connection (and logs nothing). */
class ProtocolViolation extends Error {
	override name = 'ProtocolViolation';
}

/**
 * The limits of one Engine.IO connection, shared by its decoder and its listeners. One is
 * kept per connection, so its token buckets are made on first use: an idle connection that
 * joined one room holds one bucket, not four, which keeps the memory of an idle connection low.
 */
export class ConnectionBudget {
	readonly limits: Readonly<LiveLimits>;
	/** True from a CONNECT until its refusal or the namespace socket's end. */
	socketOpen = false;
	/** The last CONNECT carried an `auth` over `limits.maxAuthBytes`: the handshake refuses it with 413. */
	authTooLarge = false;
	callsInFlight = 0;
	joinsInFlight = 0;
	/** Copies of earlier calls other processes were asked about, at most the calls in flight. */
	recalls = 0;
	/** The calls and joins budget this connection shares with its user's other connections, once connected. */
	user: SharedBudget | undefined;
	#connects = 0;
	#handshakes: TokenBucket | undefined;
	#calls: TokenBucket | undefined;
	#joins: TokenBucket | undefined;
	#leaves: TokenBucket | undefined;
	#refusals: TokenBucket | undefined;

	constructor(limits: Readonly<LiveLimits>) {
		this.limits = limits;
	}

	/** Returns the packet to pass on (maybe rewritten), undefined to drop it, or throws to close. */
	inspect(packet: Packet): Packet | undefined {
		switch (packet.type) {
			case defaultParser.PacketType.CONNECT:
				if (packet.nsp !== '/') throw new ProtocolViolation('CONNECT to a namespace LiveRPC does not serve');
				if (this.socketOpen) throw new ProtocolViolation('a second CONNECT on one connection');
				// The first CONNECT is free; the bucket holds the retries after it.
				if (++this.#connects > 1 && !(this.#handshakes ??= new TokenBucket(HANDSHAKES_PER_SECOND, HANDSHAKE_BURST - 1)).take()) {
					throw new ProtocolViolation('too many handshakes on one connection');
				}
				this.socketOpen = true;
				return packet;
			case defaultParser.PacketType.DISCONNECT:
				this.socketOpen = false;
				return packet;
			case defaultParser.PacketType.EVENT:
				return this.#inspectEvent(packet);
			case defaultParser.PacketType.ACK:
				// The server never asks a client for an acknowledgement.
				this.#strike();
				return undefined;
			default:
				throw new ProtocolViolation('a packet type clients do not send');
		}
	}

	#inspectEvent(packet: Packet): Packet | undefined {
		const data = packet.data as unknown[];
		const name = data[0];
		const answerable = typeof packet.id === 'number';
		let refusal: SocketError | undefined;
		if (typeof name !== 'string' || !Object.hasOwn(ARITY, name)) refusal = REFUSALS.unknownEvent;
		else if (data.length > ARITY[name]!) refusal = REFUSALS.malformed;
		else if (name === LEAVE) return this.#admitLeave(packet);
		else if (!answerable) refusal = REFUSALS.malformed; // joins and calls always expect an answer
		// A page of older events reads the app's store as a call does: it is paid from the same budgets.
		else if (name === CALL || name === HISTORY) {
			if (!(this.#calls ??= new TokenBucket(this.limits.callsPerSecond, this.limits.callBurst)).take()) refusal = REFUSALS.callRate;
			else if (this.user && !this.user.take(this.limits.callsPerSecondPerUser, this.limits.callBurstPerUser)) {
				refusal = REFUSALS.userCallRate;
			}
		} else if (name === JOIN) {
			if (!(this.#joins ??= new TokenBucket(this.limits.joinsPerSecond, this.limits.joinBurst)).take()) refusal = REFUSALS.joinRate;
			else if (this.user && !this.user.takeSecond(this.limits.joinsPerSecondPerUser, this.limits.joinBurstPerUser)) {
				refusal = REFUSALS.userJoinRate;
			}
		}
		if (!refusal) return packet;

		this.#strike();
		if (!answerable) return undefined;
		packet.data = [REFUSED, refusal];
		return packet;
	}

	// A leave answers nothing, but each one walks the connection's memberships: a flood of
	// them (196,000 in 5 s from one connection) is dropped past the rate, and each
	// dropped one counts as a refusal, so a connection that keeps on is closed.
	#admitLeave(packet: Packet): Packet | undefined {
		if ((this.#leaves ??= new TokenBucket(this.limits.leavesPerSecond, this.limits.leaveBurst)).take()) return packet;
		this.#strike();
		return undefined;
	}

	/** Counts one refusal against the connection, and closes it once it has collected too many. */
	#strike(): void {
		if (!(this.#refusals ??= new TokenBucket(REFUSALS_FORGIVEN_PER_SECOND, REFUSAL_BURST)).take()) {
			throw new ProtocolViolation('too many refused packets');
		}
	}
}

/** A Socket.IO parser: `Encoder` and `Decoder` classes, like `socket.io-parser` itself. */
export interface SocketParser {
	Encoder: new () => unknown;
	Decoder: new () => { on(event: string, listener: (packet: Packet) => void): unknown };
}

type DecodedListener = (packet: Packet) => void;

/**
 * Wraps a Socket.IO parser (the default one, or one passed in `socket.parser`) so that
 * its decoder, one per connection, hands each packet to the connection's budget first.
 *
 * @param currentLimits read once per new connection, so `vite dev` picks up edited limits
 */
export function createGatedParser(currentLimits: () => Readonly<LiveLimits>, base: SocketParser = defaultParser as never): SocketParser {
	const BaseDecoder = base.Decoder as new () => {
		add(data: unknown): void;
		on(event: string, listener: DecodedListener): unknown;
		removeListener(event: string, listener: DecodedListener): unknown;
	};
	class GatedDecoder extends BaseDecoder {
		readonly budget = new ConnectionBudget(currentLimits());
		// Socket.IO's Client registers one 'decoded' listener per decoder: kept in two fields
		// rather than a Map, since a decoder lives as long as its connection.
		#listener: DecodedListener | undefined;
		#gated: DecodedListener | undefined;

		// A CONNECT's `auth` is parsed before any hook sees it, and 400 idle connections with a
		// 60 kB one cost 81 kB each: one over `maxAuthBytes` is not parsed at all. It goes
		// on as a CONNECT without auth, flagged, and the handshake refuses it with 413.
		override add(data: unknown): void {
			if (typeof data === 'string' && data.charCodeAt(0) === CONNECT_CODE) {
				const tooLarge = exceeds(data, this.budget.limits.maxAuthBytes + 1);
				this.budget.authTooLarge = tooLarge;
				if (tooLarge) {
					// Only the default namespace is served; its CONNECT is '0' then the auth.
					if (data.charCodeAt(1) !== OPEN_BRACE) throw new ProtocolViolation('an oversized CONNECT');
					return super.add('0');
				}
			}
			super.add(data);
		}

		override on(event: string, listener: DecodedListener): unknown {
			if (event !== 'decoded') return super.on(event, listener);
			const gated: DecodedListener = (packet) => {
				const admitted = this.budget.inspect(packet);
				if (admitted) listener(admitted);
			};
			this.#listener = listener;
			this.#gated = gated;
			return super.on(event, gated);
		}

		override removeListener(event: string, listener: DecodedListener): unknown {
			if (event !== 'decoded' || listener !== this.#listener) return super.removeListener(event, listener);
			const gated = this.#gated!;
			this.#listener = this.#gated = undefined;
			return super.removeListener(event, gated);
		}
	}
	return { Encoder: base.Encoder, Decoder: GatedDecoder as unknown as SocketParser['Decoder'] };
}

const CONNECT_CODE = 48; // '0'
const OPEN_BRACE = 123; // '{'

/** Whether `text` is longer than `bytes` in UTF-8, without encoding it when its length decides. */
function exceeds(text: string, bytes: number): boolean {
	if (text.length > bytes) return true;
	if (text.length * 3 <= bytes) return false;
	return Buffer.byteLength(text) > bytes;
}

/** The budget of a namespace socket's connection (every socket of a LiveRPC server has one). */
export function budgetOf(socket: Socket): ConnectionBudget {
	return (socket.client as unknown as { decoder: { budget: ConnectionBudget } }).decoder.budget;
}

/**
 * Takes a place for one more call (or page of older events) on this connection, or returns
 * the refusal. The caller gives the place back with `budget.callsInFlight--` once the call is answered.
 */
export function admitCall(budget: ConnectionBudget): SocketError | undefined {
	if (budget.callsInFlight >= budget.limits.maxCallsInFlight) return REFUSALS.callsInFlight;
	budget.callsInFlight++;
	return undefined;
}

/**
 * Takes a place for one more join, counting rooms already held and joins still running,
 * or returns the refusal. The caller gives it back with `budget.joinsInFlight--`.
 */
export function admitJoin(budget: ConnectionBudget, roomsHeld: number): SocketError | undefined {
	if (roomsHeld + budget.joinsInFlight >= budget.limits.maxRooms) return REFUSALS.rooms;
	budget.joinsInFlight++;
	return undefined;
}

/**
 * Listener of {@link REFUSED}: answers with the refusal the decoder chose, which is its own
 * object, never anything from the wire.
 */
export function onRefused(this: Socket, refusal: unknown, ack: unknown): void {
	if (typeof ack === 'function') replyError(ack as (body: ErrorBody) => void, refusal, REFUSAL_SITE);
}
