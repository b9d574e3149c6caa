import type { Socket } from 'socket.io';
import type { ErrorBody } from '../../shared/protocol.js';
import { clientKeyOf } from '../gate/client-key.js';
import { AnswerLedger, ANSWER_OVERHEAD_BYTES, type LedgerEntry, type UserAnswers } from './answer-ledger.js';
import { answerSize } from './answer-size.js';
import type { LiveLimits } from '../options/live-options.js';
import { userKeyOf } from '../gate/user-key.js';
import { PeriodicSweep } from '../support/periodic-sweep.js';

type CallAck = (error: ErrorBody | null, output?: unknown) => void;

/**
 * How many of a client's latest calls are remembered. A disconnect loses the acks of the
 * calls in flight, at most `limits.maxCallsInFlight` (100 by default), and the client sends
 * those again first after its re-join, so they are always among the latest.
 */
const CALLS_REMEMBERED = 256;
/**
 * How long a client's calls are remembered after its last one, at least (at most twice
 * that): reconnects take seconds.
 */
const CALL_MEMORY_MS = 120_000;

/** What another process remembers of a call: where it was made, and its answer. */
export interface RecalledCall {
	room: string;
	name: string;
	error: ErrorBody | null;
	output: unknown;
}

/** Asks the other processes for a call sent again: resolves with what one remembers, or undefined. */
export type RecallCall = (socket: Socket, number: number) => Promise<RecalledCall | undefined> | undefined;

/**
 * One call as remembered under its number: which room and call it was (a number reused
 * for another call is refused), and its answer once it has one.
 */
export class CallRecord implements LedgerEntry {
	readonly number: number;
	readonly room: string;
	readonly name: string;
	answered = false;
	error: ErrorBody | null = null;
	output: unknown = undefined;
	/** Acks of the same call sent again while the first was still running. */
	waiters: CallAck[] | undefined;
	/** The client's calls this record is kept among, if any (the caps evict through it). */
	readonly owner: ClientCalls | undefined;
	ledgerBytes = 0;
	ledgerUser: UserAnswers | undefined = undefined;
	older: LedgerEntry | undefined = undefined;
	newer: LedgerEntry | undefined = undefined;
	userOlder: LedgerEntry | undefined = undefined;
	userNewer: LedgerEntry | undefined = undefined;

	constructor(number: number, room: string, name: string, owner?: ClientCalls) {
		this.number = number;
		this.room = room;
		this.name = name;
		this.owner = owner;
	}

	/** Records the answer and gives it to every copy of the call that waits for it. */
	keepAnswer(error: ErrorBody | null, output: unknown): void {
		this.answered = true;
		this.error = error;
		this.output = error ? undefined : output;
		const waiters = this.waiters;
		this.waiters = undefined;
		if (waiters) for (const ack of waiters) answerSafely(ack, error, output);
		this.owner?.remember(this);
	}

	evicted(): void {
		this.owner?.drop(this);
	}

	/** Answers a copy of this call: now if it has finished, else when it does. */
	answerCopy(ack: CallAck): void {
		if (this.answered) answerSafely(ack, this.error, this.output);
		else (this.waiters ??= []).push(ack);
	}
}

/**
 * The latest calls of one client, in a ring indexed by call number. The client says with
 * each call below which number it has every answer (`forget`), so a record lives about as
 * long as its call is in flight: short-lived, so the garbage collector's young generation
 * takes it, and the hot path pays little for the memory (measured in BENCHMARKS.md).
 */
class ClientCalls {
	#ring: Array<CallRecord | undefined> = [];
	/** Every record below this number is forgotten. */
	#floor = 0;
	/** Records in the ring: a client whose last one the caps evicted is forgotten. */
	#count = 0;
	/** Set by each call, cleared by each sweep: a client the sweep finds unused goes. */
	used = true;
	readonly key: string;
	/** Whose answers these are, for the per-user cap: the hook's first key, or the address. */
	readonly userKey: string;
	readonly memory: CallMemory;

	constructor(key: string, userKey: string, memory: CallMemory) {
		this.key = key;
		this.userKey = userKey;
		this.memory = memory;
	}

	find(number: number): CallRecord | undefined {
		const record = this.#ring[number % CALLS_REMEMBERED];
		return record?.number === number ? record : undefined;
	}

	start(number: number, room: string, name: string): CallRecord {
		this.used = true;
		const slot = number % CALLS_REMEMBERED;
		const replaced = this.#ring[slot];
		if (replaced) this.#release(replaced);
		this.#count++;
		return (this.#ring[slot] = new CallRecord(number, room, name, this));
	}

	/** A record was answered: its answer counts against the caps from now on. */
	remember(record: CallRecord): void {
		if (this.#ring[record.number % CALLS_REMEMBERED] !== record) return;
		const limits = this.memory.limits();
		const size = answerSize(record.error ?? record.output, limits.maxCallMemoryBytesPerUser);
		this.memory.ledger.add(record, this.userKey, ANSWER_OVERHEAD_BYTES + size);
	}

	/** Forgets one record the caps evicted; a client left with none goes. */
	drop(record: CallRecord): void {
		const slot = record.number % CALLS_REMEMBERED;
		if (this.#ring[slot] !== record) return;
		this.#ring[slot] = undefined;
		if (--this.#count === 0) this.memory.forgetClient(this);
	}

	/** Takes every record out of the ledger (the client is forgotten). */
	releaseAll(): void {
		for (const record of this.#ring) if (record) this.memory.ledger.remove(record);
	}

	#release(record: CallRecord): void {
		this.memory.ledger.remove(record);
		this.#count--;
	}

	/** Forgets the calls below `below`: the client has all their answers. */
	forget(below: number): void {
		if (below <= this.#floor) return;
		// Past a full ring, every slot is older than `below - CALLS_REMEMBERED`.
		for (let number = Math.max(this.#floor, below - CALLS_REMEMBERED); number < below; number++) {
			const slot = number % CALLS_REMEMBERED;
			const record = this.#ring[slot];
			if (record?.number === number) {
				this.#release(record);
				this.#ring[slot] = undefined;
			}
		}
		this.#floor = below;
	}
}

/**
 * What a server remembers of recent calls, by the client key each client sends in its
 * handshake, so a call sent again after a disconnect (same key, same number) is answered
 * from memory instead of running twice. Only clients that make calls take memory;
 * a client's record goes {@link CALL_MEMORY_MS} to twice that after its last call.
 *
 * A client's calls are filed under its key together with the keys its socket hook returned,
 * so a client key alone, copied by someone else, never returns another user's answer.
 * Scaled out, the other processes ask this memory for a call that came back to them after a
 * reconnect (`cluster/call-recall.ts`).
 */
export class CallMemory {
	#clients = new Map<string, ClientCalls>();
	readonly #sweep = new PeriodicSweep(() => this.sweep(), CALL_MEMORY_MS);
	/** Read on every answered call (vite dev may change the caps). */
	readonly limits: () => Readonly<LiveLimits>;
	/** The answers kept and their bytes, in the process and per user. */
	readonly ledger: AnswerLedger;

	constructor(limits: () => Readonly<LiveLimits>) {
		this.limits = limits;
		this.ledger = new AnswerLedger(limits);
	}

	/** The calls of the client behind `socket`, or undefined for a client without a key. */
	of(socket: Socket): ClientCalls | undefined {
		const key = memoryKeyOf(socket);
		if (key === undefined) return undefined;
		// Looked up on every call, not kept on the socket: a client forgotten by the sweep
		// while connected is filed again, so its later calls are remembered too.
		let calls = this.#clients.get(key);
		if (!calls) {
			this.#clients.set(key, (calls = new ClientCalls(key, userKeyOf(socket), this)));
			this.#sweep.start();
		}
		return calls;
	}

	/** The remembered call under `number` of a {@link memoryKeyOf} (asked by another process). */
	find(memoryKey: string, number: number): CallRecord | undefined {
		return this.#clients.get(memoryKey)?.find(number);
	}

	/** Forgets clients that made no call since the last sweep, {@link CALL_MEMORY_MS} ago. */
	sweep(): void {
		for (const [key, calls] of this.#clients) {
			if (calls.used) calls.used = false;
			else {
				calls.releaseAll();
				this.#clients.delete(key);
			}
		}
		this.ledger.sweep();
		if (this.#clients.size === 0) this.stop();
	}

	/** Forgets a client whose every record the caps evicted. */
	forgetClient(calls: ClientCalls): void {
		if (this.#clients.get(calls.key) === calls) this.#clients.delete(calls.key);
	}

	/** Clients remembered (for tests). */
	get clients(): number {
		return this.#clients.size;
	}

	stop(): void {
		this.#sweep.stop();
	}
}

const MEMORY_KEY = Symbol('liverpc.memoryKey');

/**
 * What a client's calls are filed under: its client key and the keys its hook returned
 * (who it is), or undefined for a client without a key.
 */
export function memoryKeyOf(socket: Socket): string | undefined {
	const data = socket.data as { [MEMORY_KEY]?: string | null; keys?: string[] };
	let key = data[MEMORY_KEY];
	if (key === undefined) {
		const clientKey = clientKeyOf(socket);
		key = data[MEMORY_KEY] = clientKey === undefined ? null : `${clientKey}\u0000${(data.keys ?? []).join('\u0000')}`;
	}
	return key ?? undefined;
}

function answerSafely(ack: CallAck, error: ErrorBody | null, output: unknown): void {
	try {
		if (error) ack(error);
		else ack(null, output);
	} catch (thrown) {
		console.error('[liverpc] a repeated call could not be answered:', thrown);
	}
}
