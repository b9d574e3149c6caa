import { randomUUID } from 'node:crypto';
import type { Server } from 'socket.io';
import { settle } from './promise-or-value.js';

// Scale-out (#12): what the processes of one app tell each other, over the Socket.IO adapter
// the app configured (`serverSideEmit`, which Redis adapters carry). Room events, presence
// changes and liveness. Without an adapter the link stays off and costs nothing.
//
// Every message is numbered by its sender. A receiver that sees a number skipped (Redis
// restarted, or refused a write) holds that sender's messages, asks it for the ones it
// missed (each process keeps its last messages for that), and handles them all in order.
// Only when the sender no longer has them are the watchers told that messages were lost.

const PEER_MESSAGE = 'liverpc:peer';

/** How often a process says it is alive, and after how long without a word it is gone. */
export const PEER_HEARTBEAT_MS = 2_000;
export const PEER_TIMEOUT_MS = 6_000;
/** How many of its last messages a process keeps (at least) for the others to ask again. */
const KEPT_MESSAGES = 2_000;
/** How many times a process asks another for what it missed before it counts it lost. */
const REPLAY_ATTEMPTS = 5;

type Handler = (from: string, ...args: unknown[]) => void;
/** Gives the value to answer with, or a promise of it (null or undefined: nothing to say). */
type Responder = (from: string, ...args: unknown[]) => unknown;
type Numbered = [number: number, kind: string, args: unknown[]];

/** What a part of the server does when another process appears, goes, or lost messages. */
export interface PeerWatcher {
	onNew?(peer: string): void;
	onGone?(peer: string): void;
	/** Some of its messages are lost for good (it no longer has them, or did not answer). */
	onLost?(peer: string): void;
}

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
	/** Per process: the number of the last message handled from it. */
	#lastNumber = new Map<string, number>();
	/**
	 * Per process not numbered yet: how many messages it had sent when it answered one of this
	 * process's requests. What it told in that answer may be all this process knows of it (its
	 * presence entries), so a message of its after that number that never arrives is a loss
	 * too, even before any of its numbered messages has.
	 */
	#floor = new Map<string, number>();
	/** Per process being repaired: its messages that came meanwhile, in arrival order. */
	#held = new Map<string, Numbered[]>();
	/** Messages this process sent, numbered from 1, and the last of them. */
	#sent = 0;
	#kept: Numbered[] = [];
	#timers: Array<ReturnType<typeof setInterval>> = [];
	#watchers: PeerWatcher[] = [];

	constructor(io: Server) {
		this.#io = io;
		// What another process missed of this one's messages.
		this.answer('replay', (_from, target, after) => {
			if (target !== this.id || typeof after !== 'number') return null;
			const missed = this.#kept.filter(([number]) => number > after);
			return { replay: missed.length > 0 && missed[0]![0] === after + 1 ? missed : null };
		});
		io.on(PEER_MESSAGE, (...args: unknown[]) => {
			// Another process of this app, through Redis: trusted, still checked, never thrown from.
			try {
				const reply = typeof args[args.length - 1] === 'function' ? (args.pop() as (value: unknown) => void) : undefined;
				const [from, number, kind, ...rest] = args;
				if (typeof from !== 'string' || typeof number !== 'number' || typeof kind !== 'string' || from === this.id) return;
				if (kind === 'gone') return this.#forget(from);
				this.#heard(from);
				// A request is answered whenever it comes; it is not numbered (see ask()). The answer
				// says how far this process's numbering is.
				if (reply) return this.#reply(reply, this.#responders.get(kind)?.(from, ...rest));
				this.#receive(from, [number, kind, rest]);
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

	/** Sends a message of `kind` to every other process; kept a while for those that miss it. */
	send(kind: string, ...args: unknown[]): void {
		if (!this.#enabled) return;
		const number = ++this.#sent;
		this.#kept.push([number, kind, args]);
		// Trimmed in batches: a shift per message would copy the whole array each time.
		if (this.#kept.length >= 2 * KEPT_MESSAGES) this.#kept.splice(0, this.#kept.length - KEPT_MESSAGES);
		try {
			this.#io.serverSideEmit(PEER_MESSAGE, this.id, number, kind, ...args);
		} catch (problem) {
			console.error(`[liverpc] could not reach the other processes (${kind}):`, (problem as Error).message);
		}
	}

	/**
	 * Asks every other process and resolves with their answers: those that came, when some
	 * did not within the adapter's request timeout (5 s by default).
	 */
	ask(kind: string, ...args: unknown[]): Promise<unknown[]> {
		if (!this.#enabled) return Promise.resolve([]);
		return new Promise((resolve) => {
			try {
				// Unnumbered (0): the adapter does not publish a request when it knows no other
				// process yet, so a numbered one could look like a loss.
				this.#io.serverSideEmit(PEER_MESSAGE, this.id, 0, kind, ...args, (_error: unknown, answers: unknown) => {
					resolve(Array.isArray(answers) ? answers.map((answer) => this.#opened(answer)) : []);
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

	/** Told when a process is heard from for the first time, when it is gone, and when messages from it were lost. */
	watch(watcher: PeerWatcher): void {
		this.#watchers.push(watcher);
	}

	/**
	 * Answers a request with what its responder gave, once it has it (a call still running
	 * here answers when it ends). The number is read then: the answer says how far this
	 * process's numbering was when it was sent.
	 */
	#reply(reply: (value: unknown) => void, value: unknown): void {
		const send = (resolved: unknown) => reply({ from: this.id, number: this.#sent, value: resolved ?? null });
		settle(value, send, (problem) => {
			console.error('[liverpc] a request from another process could not be answered:', problem);
			send(null);
		});
	}

	/** The value of one answer, after noting how far its sender's numbering was. */
	#opened(answer: unknown): unknown {
		if (typeof answer !== 'object' || answer === null) return null;
		const { from, number, value } = answer as { from?: unknown; number?: unknown; value?: unknown };
		if (typeof from === 'string' && typeof number === 'number' && !this.#lastNumber.has(from)) {
			this.#floor.set(from, Math.max(this.#floor.get(from) ?? 0, number));
		}
		return value;
	}

	#receive(from: string, message: Numbered): void {
		const held = this.#held.get(from);
		if (held) return void held.push(message);
		const last = this.#lastNumber.get(from) ?? this.#takeFloor(from, message[0]);
		const [number] = message;
		// Already handled (a copy that came late, after its replay).
		if (last !== undefined && number <= last) return;
		if (last !== undefined && number > last + 1) return void this.#repair(from, last, message);
		this.#handle(from, message);
	}

	/**
	 * For the first numbered message of a process: the number to count from, when one of its
	 * answers said how far it was and this message is not one it had sent by then.
	 */
	#takeFloor(from: string, number: number): number | undefined {
		const floor = this.#floor.get(from);
		this.#floor.delete(from);
		return floor !== undefined && number > floor ? floor : undefined;
	}

	#handle(from: string, [number, kind, args]: Numbered): void {
		this.#lastNumber.set(from, number);
		this.#handlers.get(kind)?.(from, ...args);
	}

	/** Asks `from` for its messages after `last`, holding what it sends meanwhile. */
	async #repair(from: string, last: number, revealing: Numbered): Promise<void> {
		this.#held.set(from, [revealing]);
		// Redis may be back for this process before it is for the sender: a request nobody
		// answered is sent again, while the sender is still around.
		let replayed: Numbered[] | null | undefined;
		for (let attempt = 0; replayed === undefined && attempt < REPLAY_ATTEMPTS && this.#lastHeard.has(from); attempt++) {
			if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, PEER_HEARTBEAT_MS / 4));
			const answer = (await this.ask('replay', from, last)).find((each): each is { replay: Numbered[] | null } => typeof each === 'object' && each !== null && 'replay' in each);
			replayed = answer?.replay;
		}
		const held = this.#held.get(from) ?? [];
		this.#held.delete(from);
		if (Array.isArray(replayed)) {
			for (const message of replayed) {
				if (isNumbered(message) && message[0] > (this.#lastNumber.get(from) ?? 0)) this.#handle(from, message);
			}
		} else {
			// Gone for good: what the watchers keep of that process is read again instead.
			console.warn('[liverpc] messages from another process were lost (Redis lost them, and so did their sender): members re-join to catch up');
			for (const watcher of this.#watchers) watcher.onLost?.(from);
			this.#lastNumber.set(from, revealing[0] - 1);
		}
		for (const message of held) this.#receive(from, message);
	}

	#heard(peer: string): void {
		const known = this.#lastHeard.has(peer);
		this.#lastHeard.set(peer, Date.now());
		if (!known) for (const watcher of this.#watchers) watcher.onNew?.(peer);
	}

	#forget(peer: string): void {
		this.#lastNumber.delete(peer);
		this.#floor.delete(peer);
		this.#held.delete(peer);
		if (!this.#lastHeard.delete(peer)) return;
		for (const watcher of this.#watchers) watcher.onGone?.(peer);
	}

	#sweep(): void {
		const now = Date.now();
		for (const [peer, at] of this.#lastHeard) if (now - at > PEER_TIMEOUT_MS) this.#forget(peer);
	}
}

function isNumbered(value: unknown): value is Numbered {
	return Array.isArray(value) && typeof value[0] === 'number' && typeof value[1] === 'string' && Array.isArray(value[2]);
}
