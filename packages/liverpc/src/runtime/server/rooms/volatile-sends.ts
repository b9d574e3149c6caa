import type { Server, Socket } from 'socket.io';
import { EVENT } from '../../shared/protocol.js';
import { unsentBytes } from './send-backlog.js';

// Volatile events (`event({ volatile })`) are sent and forgotten: no seq, no log. What
// a connection cannot take now is handled here, before anything logged is touched:
// - a connection with more than a quarter of `limits.maxBufferedBytes` unsent (a slow
//   reader) gets none: they are the first thing dropped for it, so its logged events
//   still fit under the cap that would close it;
// - a connection whose transport is busy writing (a websocket between a write and its
//   callback, a polling client between two GETs) gets them a moment later: they wait here,
//   and a newer one with the same room and key replaces the waiting one, so a reader that
//   lags gets the latest cursor, not every step of it. Socket.IO's own `volatile` flag
//   drops them instead, even the second of two emitted in the same tick: too lossy for
//   "the latest wins", whose last value must arrive.
// One room broadcast (one encoding) serves every connection that can take the event now.

/** The share of `maxBufferedBytes` past which a connection gets no volatile events. */
export const SLOW_READER_SHARE = 0.25;
/** A waiting volatile event older than this is stale: dropped rather than sent late. */
const STALE_MS = 1000;
/** How often waiting events are tried again. */
const RETRY_MS = 16;
/** Events one connection may have waiting, the oldest dropped past it. */
const MAX_WAITING = 64;

/** What waits for one connection. */
interface Waiting {
	/** By room key and latest-key: [room key, name, payload], oldest first. */
	events: Map<string, [key: string, name: string, payload: unknown]>;
	/** When the oldest of them was held. */
	since: number;
}

/**
 * Sends volatile events to this process's members of a room, dropping or holding them per
 * connection as above.
 *
 * @example
 * ```ts
 * const sends = new VolatileSends(io, () => settings.options.limits.maxBufferedBytes);
 * sends.send('rooms/42/chat', 'typing', { userId: 'u1', typing: true }, 'typing\u0000u1');
 * ```
 */
export class VolatileSends {
	readonly #io: Server;
	readonly #maxBufferedBytes: () => number;
	readonly #waiting = new Map<Socket, Waiting>();
	#timer: ReturnType<typeof setInterval> | undefined;

	/** @param maxBufferedBytes `limits.maxBufferedBytes`, read on every send */
	constructor(io: Server, maxBufferedBytes: () => number) {
		this.#io = io;
		this.#maxBufferedBytes = maxBufferedBytes;
	}

	/** Sends one volatile event to the members of `key` here; `latest` names what a newer one replaces. */
	send(key: string, name: string, payload: unknown, latest: string): void {
		const namespace = this.#io.of('/');
		const ids = namespace.adapter.rooms.get(key);
		if (!ids || ids.size === 0) return;
		const slow = this.#maxBufferedBytes() * SLOW_READER_SHARE;
		let busy: string[] | undefined;
		for (const id of ids) {
			const socket = namespace.sockets.get(id);
			if (!socket) continue;
			const unsent = unsentBytes(socket.conn);
			if (socket.conn.transport.writable && unsent <= slow && !this.#waiting.has(socket)) continue;
			(busy ??= []).push(id);
			if (unsent <= slow) this.#hold(socket, key, name, payload, latest);
		}
		if (!busy) this.#io.local.to(key).emit(EVENT, key, name, payload);
		else if (busy.length < ids.size) this.#io.local.to(key).except(busy).emit(EVENT, key, name, payload);
	}

	/** How many connections have events waiting. */
	get waiting(): number {
		return this.#waiting.size;
	}

	stop(): void {
		clearInterval(this.#timer);
		this.#timer = undefined;
		this.#waiting.clear();
	}

	#hold(socket: Socket, key: string, name: string, payload: unknown, latest: string): void {
		let waiting = this.#waiting.get(socket);
		if (!waiting) this.#waiting.set(socket, (waiting = { events: new Map(), since: Date.now() }));
		const slot = `${key}\u0000${latest}`;
		waiting.events.delete(slot);
		waiting.events.set(slot, [key, name, payload]);
		if (waiting.events.size > MAX_WAITING) waiting.events.delete(waiting.events.keys().next().value!);
		if (!this.#timer) {
			this.#timer = setInterval(this.#retry, RETRY_MS);
			this.#timer.unref?.();
		}
	}

	readonly #retry = (): void => {
		const now = Date.now();
		const slow = this.#maxBufferedBytes() * SLOW_READER_SHARE;
		for (const [socket, waiting] of this.#waiting) {
			if (!socket.connected || now - waiting.since > STALE_MS || unsentBytes(socket.conn) > slow) {
				this.#waiting.delete(socket);
				continue;
			}
			if (!socket.conn.transport.writable) continue;
			this.#waiting.delete(socket);
			// Only to rooms the connection is still in: it may have left one meanwhile.
			for (const [key, name, payload] of waiting.events.values()) if (socket.rooms.has(key)) socket.emit(EVENT, key, name, payload);
		}
		if (this.#waiting.size === 0) this.stop();
	};
}
