import { randomUUID } from 'node:crypto';
import type { Server } from 'socket.io';

// Scale-out (#12): what the processes of one app tell each other, over the Socket.IO adapter
// the app configured (`serverSideEmit`, which Redis adapters carry). Room events, presence
// changes and liveness. Without an adapter the link stays off and costs nothing.

const PEER_MESSAGE = 'liverpc:peer';

/** How often a process says it is alive, and after how long without a word it is gone. */
export const PEER_HEARTBEAT_MS = 2_000;
export const PEER_TIMEOUT_MS = 6_000;

type Handler = (from: string, ...args: unknown[]) => void;
type Responder = (from: string, ...args: unknown[]) => unknown;

/**
 * This process's link to the others. Messages carry the sender's id; a process that has not
 * been heard from for {@link PEER_TIMEOUT_MS} is reported gone (a crash, a network split),
 * and one heard from for the first time (a start, or back after a split) is reported new.
 */
export class PeerLink {
	/** This process's id, new at every start. */
	readonly id = randomUUID();
	#io: Server;
	#enabled = false;
	#handlers = new Map<string, Handler>();
	#responders = new Map<string, Responder>();
	#lastHeard = new Map<string, number>();
	#timers: Array<ReturnType<typeof setInterval>> = [];
	#onNew: (peer: string) => void = () => {};
	#onGone: (peer: string) => void = () => {};

	constructor(io: Server) {
		this.#io = io;
		io.on(PEER_MESSAGE, (...args: unknown[]) => {
			// Another process of this app, through Redis: trusted, still checked, never thrown from.
			try {
				const reply = typeof args[args.length - 1] === 'function' ? (args.pop() as (value: unknown) => void) : undefined;
				const [from, kind, ...rest] = args;
				if (typeof from !== 'string' || typeof kind !== 'string' || from === this.id) return;
				if (kind === 'gone') return this.#forget(from);
				this.#heard(from);
				if (reply) {
					const responder = this.#responders.get(kind);
					reply(responder ? responder(from, ...rest) : null);
				} else {
					this.#handlers.get(kind)?.(from, ...rest);
				}
			} catch (problem) {
				console.error('[liverpc] a message from another process could not be handled:', problem);
			}
		});
	}

	get enabled(): boolean {
		return this.#enabled;
	}

	/** Starts talking to the other processes (the app configured an adapter). */
	start(): void {
		if (this.#enabled) return;
		this.#enabled = true;
		this.send('alive');
		this.#timers.push(
			setInterval(() => this.send('alive'), PEER_HEARTBEAT_MS).unref(),
			setInterval(() => this.#sweep(), PEER_HEARTBEAT_MS / 2).unref()
		);
	}

	/** Tells the others this process is going (a graceful stop), and stops. */
	stop(): void {
		if (!this.#enabled) return;
		this.send('gone');
		this.#enabled = false;
		for (const timer of this.#timers.splice(0)) clearInterval(timer);
	}

	/** Sends a message of `kind` to every other process; lost quietly when the adapter cannot. */
	send(kind: string, ...args: unknown[]): void {
		if (!this.#enabled) return;
		try {
			this.#io.serverSideEmit(PEER_MESSAGE, this.id, kind, ...args);
		} catch (problem) {
			console.error(`[liverpc] could not reach the other processes (${kind}):`, (problem as Error).message);
		}
	}

	/**
	 * Asks every other process and resolves with their answers: those that came, when some
	 * did not within the adapter's request timeout (5 s by default).
	 */
	ask(kind: string): Promise<unknown[]> {
		if (!this.#enabled) return Promise.resolve([]);
		return new Promise((resolve) => {
			try {
				this.#io.serverSideEmit(PEER_MESSAGE, this.id, kind, (_error: unknown, answers: unknown) => {
					resolve(Array.isArray(answers) ? answers : []);
				});
			} catch {
				resolve([]);
			}
		});
	}

	/** Handles messages of `kind` from the other processes. */
	on(kind: string, handler: Handler): void {
		this.#handlers.set(kind, handler);
	}

	/** Answers requests of `kind` from the other processes. */
	answer(kind: string, responder: Responder): void {
		this.#responders.set(kind, responder);
	}

	/** Called with a process's id when it is heard from for the first time, and when it is gone. */
	watch(handlers: { onNew: (peer: string) => void; onGone: (peer: string) => void }): void {
		this.#onNew = handlers.onNew;
		this.#onGone = handlers.onGone;
	}

	#heard(peer: string): void {
		const known = this.#lastHeard.has(peer);
		this.#lastHeard.set(peer, Date.now());
		if (!known) this.#onNew(peer);
	}

	#forget(peer: string): void {
		if (!this.#lastHeard.delete(peer)) return;
		this.#onGone(peer);
	}

	#sweep(): void {
		const now = Date.now();
		for (const [peer, at] of this.#lastHeard) if (now - at > PEER_TIMEOUT_MS) this.#forget(peer);
	}
}
