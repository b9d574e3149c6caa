import type { Server, Socket } from 'socket.io';
import { PRESENCE } from '../shared/protocol.js';
import { membershipsOf, type Membership } from './connection-state.js';
import type { PeerLink } from './peer-link.js';
import { PresenceTracker, type PresenceDiff } from './presence-tracker.js';

/**
 * The presence of every room: the tracker, and how its changes reach the members of a
 * room, as one PRESENCE packet per change (a diff, never the whole list).
 *
 * Scaled out, every process keeps the whole picture: each tells the others when one of its
 * connections enters or leaves a room (connections are named `<process id>:<socket id>`),
 * a starting process asks the others for theirs, and the entries of a process that is gone
 * (stopped, crashed, cut off) are dropped once it has been silent for the peer timeout.
 */
export class RoomPresences {
	#tracker = new PresenceTracker();
	#io: Server;
	#peers: PeerLink;

	constructor(io: Server, peers: PeerLink) {
		this.#io = io;
		this.#peers = peers;
		peers.on('track', (_from, room, connection, id, entry) => this.#trackFromPeer(room, connection, id, entry));
		peers.on('untrack', (_from, room, connection) => {
			if (typeof room !== 'string' || typeof connection !== 'string') return;
			this.#publishLocally(room, this.#tracker.untrack(room, connection));
		});
		peers.answer('presence', () => this.#tracker.connectionsStartingWith(`${peers.id}:`));
		const drop = (peer: string) => {
			for (const [room, diff] of this.#tracker.untrackStartingWith(`${peer}:`)) this.#publishLocally(room, diff);
		};
		peers.watch({
			onNew: () => void this.#catchUp(),
			onGone: drop,
			// Some of its changes were lost: its entries are read again from scratch.
			onLost: (peer) => {
				drop(peer);
				void this.#catchUp();
			}
		});
	}

	/** A membership with presence began: its entry, for every process's members. */
	join(socket: Socket, room: string, id: string, entry: unknown): void {
		const connection = this.#connection(socket);
		this.#publishLocally(room, this.#tracker.track(room, connection, id, entry));
		this.#peers.send('track', room, connection, id, entry);
	}

	/** A membership ended (left, refused its reply, or its connection closed). */
	leave(socket: Socket, membership: Membership): void {
		if (!membership.contract.presence) return;
		const connection = this.#connection(socket);
		const diff = this.#tracker.untrack(membership.key, connection);
		if (!diff) return;
		this.#publishLocally(membership.key, diff);
		this.#peers.send('untrack', membership.key, connection);
	}

	/** A connection closed: each of its rooms with presence loses it. */
	disconnected(socket: Socket): void {
		for (const membership of membershipsOf(socket)) this.leave(socket, membership);
	}

	/** Scaled out, at start: the other processes' entries, without waiting for their heartbeats. */
	start(): void {
		void this.#catchUp();
	}

	/** Everyone in a room, every process's members included. */
	list(room: string) {
		return this.#tracker.list(room);
	}

	/** Asks the other processes for their connections' entries (at start, or a process is back). */
	async #catchUp(): Promise<void> {
		for (const answer of await this.#peers.ask('presence')) {
			if (!Array.isArray(answer)) continue;
			for (const row of answer) {
				if (!Array.isArray(row)) continue;
				const [room, connection, id, entry] = row as unknown[];
				this.#trackFromPeer(room, connection, id, entry);
			}
		}
	}

	/** An entry another process reported, as it came over Redis. */
	#trackFromPeer(room: unknown, connection: unknown, id: unknown, entry: unknown): void {
		if (typeof room !== 'string' || typeof connection !== 'string' || typeof id !== 'string') return;
		this.#publishLocally(room, this.#tracker.track(room, connection, id, entry));
	}

	#connection(socket: Socket): string {
		return `${this.#peers.id}:${socket.id}`;
	}

	/** Sends this process's members of a room what changed. */
	#publishLocally(room: string, diff: PresenceDiff | undefined): void {
		if (diff) this.#io.local.to(room).emit(PRESENCE, room, diff.upserts, diff.removals);
	}
}
