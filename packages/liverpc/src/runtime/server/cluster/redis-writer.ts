import { randomBytes } from 'node:crypto';
import { consoleLine, type LogLine } from './redis-link.js';
import type { BufferSettings } from '../options/live-options.js';
import type { RedisClient } from '../options/redis-client.js';
import { roomKeys, RedisScript, WRITE_BATCH, writerKey } from './redis-scripts.js';

/** One write of this process, in the order it was made: an event, a presence change, a log restart. */
type WriteOp = [kind: 'e' | '+' | '-' | 'r' | 'k', key: string, first: string, second: string];

/** The channels revocations and pushes to keys travel on, between the processes of one app. */
export const REVOKE_CHANNEL = 'liverpc:revoke';
export const PUSH_CHANNEL = 'liverpc:push';
/** The channel volatile events travel on: published at once, never through a room's stream. */
export const VOLATILE_CHANNEL = 'liverpc:volatile';

/** How long a presence entry lives in Redis without its process refreshing it. */
export const PRESENCE_TTL_MS = 15_000;
/** How long a room's epoch and offset outlive its last event or join. */
const META_TTL_MS = 24 * 60 * 60 * 1000;
/** Operations and bytes one script call takes at most. */
const BATCH_OPS = 256;
const BATCH_BYTES = 512 * 1024;
/**
 * What a process holds while Redis cannot take its writes. Past it, the oldest waiting event
 * of a room is dropped and that room's log restarts once Redis is back, so its members fill
 * the gap from the events' `history` instead of missing it silently.
 */
const HELD_OPS = 20_000;
const HELD_BYTES = 32 * 1024 * 1024;
const RETRY_MS = [50, 200, 500, 1000, 2000];
/**
 * Events Redis keeps per room at least (when the buffer keeps any): more than a process's
 * tail, so that a process that was not listening during an outage, while the others wrote
 * what they had held, can still read all of it back instead of sending its members to
 * their events' history.
 */
const STREAM_MIN_LENGTH = 1000;

/** How many events Redis keeps of each room: none when the buffer keeps none. */
export function streamLength(settings: BufferSettings): number {
	return settings.size > 0 ? Math.max(settings.size, STREAM_MIN_LENGTH) : 0;
}

const WRITE = new RedisScript(WRITE_BATCH);

/**
 * Writes this process's room events and presence changes to Redis in the order they were
 * made, a batch per script call. The script decides each event's offset and publishes it,
 * so every process hears a room's events in one order, this one included: an event is
 * delivered here only when Redis has it.
 *
 * While Redis is down the writes wait here, in order, and go out when it is back (the
 * batch numbers let Redis skip a batch it had already written when its reply was lost).
 */
export class RedisWriter {
	readonly #redis: RedisClient;
	readonly #processId: string;
	readonly #settings: () => BufferSettings;
	#waiting: WriteOp[] = [];
	#waitingBytes = 0;
	#batch = 0;
	#writing = false;
	#scheduled = false;
	#failures = 0;
	#stopped = false;
	#restart = new Set<string>();
	#dropped = 0;

	readonly #log: LogLine;

	constructor(redis: RedisClient, processId: string, settings: () => BufferSettings, log: LogLine = consoleLine) {
		this.#log = log;
		this.#redis = redis;
		this.#processId = processId;
		this.#settings = settings;
	}

	/** Events and presence changes written so far are all in Redis. */
	get idle(): boolean {
		return this.#waiting.length === 0 && !this.#writing;
	}

	/** How many writes wait for Redis. */
	get held(): number {
		return this.#waiting.length;
	}

	event(key: string, encoded: string): void {
		this.#push(['e', key, encoded, '']);
	}

	track(key: string, connection: string, encoded: string): void {
		this.#push(['+', key, connection, encoded]);
	}

	untrack(key: string, connection: string): void {
		this.#push(['-', key, connection, '']);
	}

	/**
	 * Starts the room's log again in Redis with a new epoch, if it is still in `epoch`: Redis
	 * came back from an older copy, and would give offsets this process has seen to other events.
	 */
	restartLog(key: string, epoch: string): void {
		this.#push(['r', key, epoch, '']);
	}

	/** A message for every process on `channel` (a revocation, a push to a key), in this process's order. */
	broadcast(channel: string, encoded: string): void {
		this.#push(['k', channel, encoded, '']);
	}

	/** Writes what waits now: after Redis came back, without waiting for the retry timer. */
	kick(): void {
		this.#failures = 0;
		this.#schedule(0);
	}

	stop(): void {
		this.#stopped = true;
	}

	#push(op: WriteOp): void {
		if (this.#stopped) return;
		const bytes = op[1].length + op[2].length + op[3].length;
		if (this.#waiting.length >= HELD_OPS || this.#waitingBytes + bytes > HELD_BYTES) this.#dropOldestEvent();
		this.#waiting.push(op);
		this.#waitingBytes += bytes;
		if (!this.#writing) this.#schedule(0);
	}

	/** Makes room by dropping the oldest waiting event; its room's log restarts when Redis is back. */
	#dropOldestEvent(): void {
		const index = this.#waiting.findIndex((op) => op[0] === 'e');
		if (index < 0) return;
		const [op] = this.#waiting.splice(index, 1);
		this.#waitingBytes -= op![1].length + op![2].length + op![3].length;
		this.#restart.add(op![1]);
		if (this.#dropped++ === 0) this.#log('error', { reason: 'redis-backlog-full' }, 'Redis has been away too long: the oldest waiting room events are dropped, and their rooms fill the gap from history once it is back.');
	}

	#schedule(delay: number): void {
		if (this.#scheduled || this.#stopped) return;
		this.#scheduled = true;
		const run = () => {
			this.#scheduled = false;
			void this.#write();
		};
		if (delay === 0) setImmediate(run);
		else setTimeout(run, delay).unref();
	}

	async #write(): Promise<void> {
		if (this.#writing || this.#stopped) return;
		if (this.#waiting.length === 0 && this.#restart.size > 0) {
			for (const key of this.#restart) this.#waiting.push(['r', key, '', '']);
			this.#restart.clear();
			this.#dropped = 0;
		}
		if (this.#waiting.length === 0) return;
		this.#writing = true;
		const batch = this.#take();
		const number = ++this.#batch;
		// Sent again, with the same number, until Redis has it: the order of this process's
		// writes is kept, and a batch whose reply was lost is skipped by the script.
		for (;;) {
			try {
				await this.#send(batch, number);
				this.#failures = 0;
				break;
			} catch (problem) {
				if (this.#stopped) return;
				if (isReplyError(problem)) {
					// Redis refused the script itself: sending it again would fail the same way.
					this.#log('error', { reason: 'redis-refused', err: problem }, 'Redis refused a batch of room events');
					break;
				}
				const delay = RETRY_MS[Math.min(this.#failures++, RETRY_MS.length - 1)]!;
				await new Promise((resolve) => setTimeout(resolve, delay).unref());
			}
		}
		this.#writing = false;
		if (this.#waiting.length > 0 || this.#restart.size > 0) this.#schedule(0);
	}

	#take(): WriteOp[] {
		let bytes = 0;
		let count = 0;
		while (count < this.#waiting.length && count < BATCH_OPS && bytes < BATCH_BYTES) {
			const op = this.#waiting[count]!;
			bytes += op[1].length + op[2].length + op[3].length;
			count++;
		}
		this.#waitingBytes -= bytes;
		return this.#waiting.splice(0, count);
	}

	#send(batch: WriteOp[], number: number): Promise<unknown> {
		const { size, age } = this.#settings();
		const keys: string[] = [];
		const args: string[] = [String(number), String(streamLength({ size, age })), String(Math.max(age, 1000)), String(META_TTL_MS), String(Date.now() + PRESENCE_TTL_MS), randomBytes(6).toString('base64url')];
		for (const [kind, key, first, second] of batch) {
			if (kind === 'k') {
				keys.push(key, key);
				args.push(kind, key, first, second);
				continue;
			}
			const room = roomKeys(key);
			if (kind === 'e' || kind === 'r') keys.push(room.meta, room.stream);
			else keys.push(room.presence, room.expiry);
			args.push(kind, room.channel, first, second);
		}
		keys.push(writerKey(this.#processId));
		return WRITE.run(this.#redis, keys, args);
	}
}

/**
 * Whether Redis answered with an error of its own (a script that failed, a wrong type),
 * as opposed to the connection failing: the first is final, the second is worth a retry.
 * node-redis names its server errors `ErrorReply` (and their subclasses `…ErrorReply`).
 */
function isReplyError(problem: unknown): boolean {
	const name = (problem as { constructor?: { name?: unknown } } | null)?.constructor?.name;
	return typeof name === 'string' && name.endsWith('ErrorReply');
}
