import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket as NetSocket } from 'node:net';
import { SocketError } from '../contract/socket-error.js';
import { clientAddress } from './client-address.js';
import type { LiveLimits, ResolvedProxy } from '../options/live-options.js';
import { SharedBudgets, type SharedBudget } from './shared-budgets.js';
import { TokenBucket } from '../support/token-bucket.js';
import { connectionAddress, setConnectionAddress } from './user-key.js';

// Limits beyond one connection: 300 handshakes from one address were accepted at
// 520/s, and nothing capped connections per address or per process. Every new Engine.IO
// session (polling or websocket) passes here, in Socket.IO's `allowRequest`, before a
// session or a socket hook run exists: per address a handshake rate and an open-connection
// cap, per process the same two. A refusal is HTTP 429 with a fixed body; the Socket.IO
// client sees a transport error and retries with its backoff, so a burst of reconnects
// after a deploy spreads out instead of failing.

/** The fixed bodies of the refusals: nothing of the request is repeated. */
export const ADMISSION_REFUSALS = {
	addressRate: 'Too many new connections from this address: slow down',
	addressConnections: 'Too many connections from this address',
	processRate: 'Too many new connections: try again shortly',
	processConnections: 'The server holds as many connections as it may: try again shortly'
} as const;

const TOO_MANY = 429;

/** Each refusal's name in metrics and logs: `address-rate`, `process-connections`, … */
const ADMISSION_KINDS = new Map<string, string>(Object.entries(ADMISSION_REFUSALS).map(([name, message]) => [message, name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)]));

/** The name of one of {@link ADMISSION_REFUSALS}, as `admit()` returned it. */
export function admissionKind(refusal: string): string {
	return ADMISSION_KINDS.get(refusal) ?? 'admission';
}

/** Each refusal's HTTP body, encoded once, as every error body is made: by `SocketError`. */
const REFUSAL_BODIES = new Map<string, string>(Object.values(ADMISSION_REFUSALS).map((message) => [message, JSON.stringify(new SocketError(TOO_MANY, message).body)]));

/** An Engine.IO connection as this module sees it. */
interface EngineConnection {
	request: IncomingMessage;
	on(event: 'close', listener: (this: EngineConnection) => void): unknown;
}

/** A place taken by an admitted handshake, given back when its connection (or the attempt) ends. */
interface Reservation {
	budget: SharedBudget;
	/** Where the attempt ends if no connection is made of it. */
	until: { once(event: 'close', listener: () => void): unknown; removeListener(event: 'close', listener: () => void): unknown };
	abandoned: () => void;
}

/**
 * Admits or refuses new Engine.IO sessions and counts open connections per address and in
 * the process.
 *
 * @example
 * ```ts
 * const admission = new ConnectionAdmission(() => settings.options.limits);
 * io.engine.on('connection', (conn) => admission.track(conn));
 * // in allowRequest:
 * const refusal = admission.admit(request, settings.options.proxy);
 * if (refusal) return callback(refusal, false);
 * ```
 */
export class ConnectionAdmission {
	readonly #limits: () => Readonly<LiveLimits>;
	readonly #addresses = new SharedBudgets();
	#handshakes: { bucket: TokenBucket; perSecond: number } | undefined;
	#reservations = new WeakMap<IncomingMessage, Reservation>();
	/** Connections open or opening in the process. */
	open = 0;
	// One listener for every connection's close, reading its address from the connection:
	// no closure per connection, which an idle connection would keep for its lifetime.
	readonly #onClose: (this: EngineConnection) => void;

	constructor(limits: () => Readonly<LiveLimits>) {
		this.#limits = limits;
		const admission = this;
		this.#onClose = function (this: EngineConnection) {
			const address = connectionAddress(this);
			// Held by this connection, so still kept under its address.
			if (address !== undefined) admission.#free(admission.#addresses.get(address));
		};
	}

	/**
	 * Admits a new session, taking a place for it, or refuses it: then answers the request
	 * with 429 itself and returns the message to pass to `allowRequest`'s callback.
	 */
	admit(request: IncomingMessage, proxy: ResolvedProxy): string | undefined {
		const limits = this.#limits();
		const address = addressOf(request, proxy);
		const budget = this.#addresses.get(address);
		let refusal: string | undefined;
		if (this.open >= limits.maxConnections) refusal = ADMISSION_REFUSALS.processConnections;
		else if (budget.holders >= limits.maxConnectionsPerAddress) refusal = ADMISSION_REFUSALS.addressConnections;
		else if (!budget.take(limits.handshakesPerSecondPerAddress, limits.handshakeBurstPerAddress)) {
			refusal = ADMISSION_REFUSALS.addressRate;
		} else if (!this.#processBucket(limits.handshakesPerSecond).take()) refusal = ADMISSION_REFUSALS.processRate;
		if (refusal) {
			// An address refused before taking a token is kept only until the sweep.
			answerTooMany(request, refusal);
			return refusal;
		}
		budget.holders++;
		this.open++;
		// Polling: the handshake's response ends the attempt; websocket: its TCP connection.
		const res = (request as { res?: ServerResponse }).res;
		const until = res ?? request.socket;
		const reservation: Reservation = { budget, until, abandoned: () => this.#abandon(request, reservation) };
		until.once('close', reservation.abandoned);
		this.#reservations.set(request, reservation);
		return undefined;
	}

	/** Counts a new Engine.IO connection against the place its handshake took, until it closes. */
	track(conn: EngineConnection): void {
		const reservation = this.#reservations.get(conn.request);
		if (!reservation) return;
		this.#reservations.delete(conn.request);
		reservation.until.removeListener('close', reservation.abandoned);
		setConnectionAddress(conn, reservation.budget.key);
		// on, not once: once wraps the listener in a closure per connection; 'close' comes once anyway.
		conn.on('close', this.#onClose);
	}

	/** Stops the sweeps (server closed). */
	stop(): void {
		this.#addresses.stop();
	}

	/** Addresses kept (for tests). */
	get addresses(): number {
		return this.#addresses.size;
	}

	#abandon(request: IncomingMessage, reservation: Reservation): void {
		if (this.#reservations.get(request) !== reservation) return;
		this.#reservations.delete(request);
		this.#free(reservation.budget);
	}

	#free(budget: SharedBudget): void {
		this.open--;
		this.#addresses.release(budget);
	}

	#processBucket(perSecond: number): TokenBucket {
		// Made again when the limit changes (vite dev), with a full burst of one second.
		if (this.#handshakes?.perSecond !== perSecond) this.#handshakes = { bucket: new TokenBucket(perSecond, perSecond), perSecond };
		return this.#handshakes.bucket;
	}
}

/** The request's client address as the hook's `getClientAddress()` gives it; the socket's when its proxy header is missing. */
function addressOf(request: IncomingMessage, proxy: ResolvedProxy): string {
	const remote = request.socket.remoteAddress ?? '';
	try {
		return clientAddress(request.headers, remote, proxy);
	} catch {
		// A missing proxy header is a misconfiguration the hook reports; the limits still
		// apply, to the connection's own address.
		return remote;
	}
}

/**
 * Answers 429 with `{ status, message }`: on the polling response, or written on the TCP
 * connection of a WebSocket upgrade (then ended, so Engine.IO writes nothing after it).
 */
function answerTooMany(request: IncomingMessage, message: string): void {
	const body = REFUSAL_BODIES.get(message)!;
	const res = (request as { res?: ServerResponse }).res;
	try {
		if (res) {
			if (res.headersSent) return;
			res.writeHead(TOO_MANY, { 'content-type': 'application/json', 'retry-after': '1' });
			res.end(body);
			return;
		}
		const socket = request.socket as NetSocket;
		if (!socket.writable) return;
		socket.end(
			`HTTP/1.1 429 Too Many Requests\r\nConnection: close\r\nContent-Type: application/json\r\nRetry-After: 1\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
		);
	} catch {
		// The connection went away meanwhile: Engine.IO closes what is left.
	}
}
