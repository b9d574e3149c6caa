import { randomBytes } from 'node:crypto';
import type { BufferSettings } from '../options/live-options.js';
import { PeriodicSweep } from '../support/periodic-sweep.js';

/**
 * One event as the log keeps it: its place in the room's order, its name, its payload and,
 * for an event declared with `id`, the app's id of it.
 */
export interface LoggedEvent {
	seq: number;
	name: string;
	payload: unknown;
	id: string | number | undefined;
	/** `Date.now()` when it was logged here; entries older than the buffer's age are dropped. */
	at: number;
}

/**
 * Where a member is in a room's event order: the log it followed (`epoch`) and the `seq`
 * of the last event it has. A log's epoch is new whenever the log is (a restart, a room
 * quiet for longer than the buffer's age; scaled out, Redis losing the room), so a position
 * from another log is never mistaken for one in this log.
 */
export type LogPosition = readonly [epoch: string, seq: number];

/**
 * The recent events of one room, in the room's order: what a member that comes back after a
 * short disconnect is missing. A bounded ring: the oldest entry goes first. Scaled out, this
 * is the tail of the room's log in Redis, kept by a process while it has members there.
 */
export class RoomLog {
	readonly epoch: string;
	/**
	 * The seq this log started after: 0 for a new room, or where a scaled-out process began
	 * following the room again after its log restarted. A member whose position is from
	 * before it has none of this log's events.
	 */
	readonly start: number;
	/** Seq of the newest event; 0 before any. */
	seq: number;
	entries: LoggedEvent[] = [];
	/** When the sweep first found the room without members; undefined while it has some. */
	emptySince: number | undefined;

	constructor(epoch: string, seq = 0) {
		this.epoch = epoch;
		this.start = seq;
		this.seq = seq;
	}

	/**
	 * Whether a member at `position` has none of this log's events: its position is in
	 * another log (another epoch), or in this epoch from before this log started.
	 */
	predates(position: LogPosition): boolean {
		return position[0] !== this.epoch || position[1] <= this.start;
	}

	/** Whether every event after `seq` of this log is still here. */
	covers(seq: number): boolean {
		const oldest = this.entries.length > 0 ? this.entries[0]!.seq : this.seq + 1;
		return seq >= oldest - 1 && seq <= this.seq;
	}

	/** The events after `seq`, oldest first; call {@link covers} first. */
	after(seq: number): LoggedEvent[] {
		const entries = this.entries;
		// Seqs are consecutive, so the first wanted entry's index is known without a search.
		const start = entries.length === 0 ? 0 : Math.max(0, seq + 1 - entries[0]!.seq);
		return entries.slice(start);
	}

	/** Records the event numbered `seq`, the next one, keeping at most `size` entries. */
	push(seq: number, name: string, payload: unknown, id: string | number | undefined, size: number): void {
		this.seq = seq;
		if (size <= 0) return;
		this.entries.push({ seq, name, payload, id, at: Date.now() });
		if (this.entries.length > size) this.entries.shift();
	}

	/**
	 * Puts older events, read back from where the log is kept, in front of the entries here;
	 * only when they end right where these begin, so the entries stay consecutive.
	 */
	prepend(older: LoggedEvent[]): void {
		if (older.length === 0) return;
		const first = this.entries.length > 0 ? this.entries[0]!.seq : this.seq + 1;
		const last = older[older.length - 1]!.seq;
		if (last !== first - 1) return;
		for (let index = 1; index < older.length; index++) if (older[index]!.seq !== older[index - 1]!.seq + 1) return;
		this.entries = [...older, ...this.entries];
	}
}

/**
 * Where a room's events are put in order, kept for members that come back, and handed to
 * this process's members. One process keeps its rooms' logs in memory ({@link RoomLogs});
 * scaled out, Redis orders and keeps them and each process follows the rooms it has members
 * in (`cluster/redis-room-logs.ts`). The join and the emit see only this interface.
 */
export interface RoomEventLog {
	/** An event emitted in this process: logged, then delivered to every member, in the room's order. */
	emit(key: string, name: string, payload: unknown, id: string | number | undefined): void;
	/**
	 * A join of `key` starts: the room's log, ready to read the position the join starts from.
	 * Scaled out, once this process follows the room, with what `position` lacks read back.
	 * Every `open` is followed by one {@link release}.
	 */
	open(key: string, position: LogPosition | undefined): RoomLog | Promise<RoomLog>;
	/** The room's log now: a restart of the log (scaled out) replaces the one `open` gave. */
	current(key: string): RoomLog | undefined;
	/** The join that opened `key` is over, admitted or not. */
	release(key: string): void;
	/** Applies a new size and age from now on (`vite dev`, when `hooks.socket.ts` changes). */
	reconfigure(settings: BufferSettings): void;
	stop(): void;
}

/** Hands one logged event to this process's members of the room. */
export type DeliverEvent = (key: string, event: LoggedEvent) => void;

/**
 * The room logs of one process, in memory, made on first use, trimmed and forgotten by a
 * sweep that runs a few times per buffer age. Kept by room key, the same key Socket.IO's
 * rooms use.
 *
 * Memory is bounded by `size` entries per room that saw events within `age`. A log whose
 * room has members stays (even when quiet) so that its members can resume after a
 * disconnect; one without members is dropped `age` after its room emptied.
 */
export class RoomLogs implements RoomEventLog {
	#logs = new Map<string, RoomLog>();
	#settings: BufferSettings;
	/** Makes this process's epochs unique: a restarted process never reuses one. */
	readonly #origin = randomBytes(6).toString('base64url');
	#made = 0;
	// A few times per buffer age, at least every 30 s and at most every second.
	readonly #sweep = new PeriodicSweep(() => this.sweep(), () => Math.max(1000, Math.min(30_000, this.#settings.age / 4)));
	#hasMembers: (key: string) => boolean;
	#deliver: DeliverEvent;

	/**
	 * @param hasMembers whether a room key has members on this server now
	 * @param deliver sends a logged event to the room's members
	 */
	constructor(settings: BufferSettings, hasMembers: (key: string) => boolean, deliver: DeliverEvent) {
		this.#settings = settings;
		this.#hasMembers = hasMembers;
		this.#deliver = deliver;
	}

	reconfigure(settings: BufferSettings): void {
		this.#settings = settings;
	}

	current(key: string): RoomLog | undefined {
		return this.#logs.get(key);
	}

	/** The room's log, made now if it has none. */
	open(key: string): RoomLog {
		let log = this.#logs.get(key);
		if (!log) {
			log = new RoomLog(`${this.#origin}.${++this.#made}`);
			this.#logs.set(key, log);
			this.#sweep.start();
		}
		return log;
	}

	release(): void {}

	emit(key: string, name: string, payload: unknown, id: string | number | undefined): void {
		const log = this.open(key);
		log.push(log.seq + 1, name, payload, id, this.#settings.size);
		this.#deliver(key, log.entries[log.entries.length - 1] ?? { seq: log.seq, name, payload, id, at: 0 });
	}

	/** Drops entries past their age and logs nobody can resume from any more. */
	sweep(now = Date.now()): void {
		const { age } = this.#settings;
		for (const [key, log] of this.#logs) {
			const entries = log.entries;
			let stale = 0;
			while (stale < entries.length && now - entries[stale]!.at > age) stale++;
			if (stale > 0) entries.splice(0, stale);
			if (this.#hasMembers(key)) {
				log.emptySince = undefined;
				continue;
			}
			log.emptySince ??= now;
			if (entries.length === 0 && now - log.emptySince >= age) this.#logs.delete(key);
		}
		if (this.#logs.size === 0) this.stop();
	}

	/** Stops the sweep (the server closed); logs made later start it again. */
	stop(): void {
		this.#sweep.stop();
	}
}
