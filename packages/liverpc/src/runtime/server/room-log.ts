import { randomBytes } from 'node:crypto';

/**
 * One event as the log keeps it: its place in the room's order, its name, its payload and,
 * for an event declared with `id`, the app's id of it.
 */
export interface LoggedEvent {
	seq: number;
	name: string;
	payload: unknown;
	id: string | number | undefined;
	/** `Date.now()` when it was emitted; entries older than the buffer's age are dropped. */
	at: number;
	/**
	 * Scaled out: the process that emitted it (its {@link RoomLogs.origin}) and that process's
	 * number for it. Every process logs every event, each in its own order, but a process's own
	 * events reach all of them in the order it numbered them: what a member has of each
	 * process's events says where it is in any process's log.
	 */
	origin?: string;
	number?: number;
}

/**
 * Scaled out: per emitting process, the number of the latest of its events a member has
 * (or that was logged before the member joined). Sent by the client on a re-join, so the
 * process it lands on can resume it from its own log, whichever process it came from.
 */
export type SeenEvents = Readonly<Record<string, number>>;

/**
 * Where a member is in a room's event order: the log it followed (`epoch`) and the `seq`
 * of the last event it has. A log's epoch is new whenever the log is (a restart, another
 * process, a room quiet for longer than the buffer's age), so a position from elsewhere is
 * never mistaken for one in this log.
 */
export type LogPosition = readonly [epoch: string, seq: number];

/** How much of a room's recent past a server keeps for members that reconnect. */
export interface BufferSettings {
	/** Events kept per room; 0 keeps none (every gap is then filled by `history` or reported). */
	size: number;
	/** Milliseconds an event is kept, and a log without members outlives its last activity. */
	age: number;
}

/**
 * The recent events of one room on this server, in emit order: what a member that comes
 * back after a short disconnect is missing. A bounded ring: the oldest entry goes first.
 */
export class RoomLog {
	readonly epoch: string;
	/** Seq of the newest event; 0 before any. */
	seq = 0;
	entries: LoggedEvent[] = [];
	/** When the sweep first found the room without members; undefined while it has some. */
	emptySince: number | undefined;
	/** When the log was made: a join that started before it has seen none of its events. */
	readonly createdAt: number;
	/** Scaled out: per emitting process, the number of its latest event logged here. */
	latest: Record<string, number> | undefined;

	constructor(epoch: string, now: number) {
		this.epoch = epoch;
		this.createdAt = now;
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

	/**
	 * What a member that joins now has of each process's events: all of them so far (those in
	 * the join's ack, and those before it, which it does not need). Only processes that still
	 * have events here: older ones can tell another process's log nothing.
	 */
	seenOfProcessesLogged(): Record<string, number> {
		const seen: Record<string, number> = Object.create(null);
		for (const { origin } of this.entries) if (origin !== undefined && seen[origin] === undefined) seen[origin] = this.latest![origin]!;
		return seen;
	}

	/**
	 * Whether this log holds everything a member that comes from another process's log is
	 * missing: it had this log's oldest event already, so nothing it lacks was dropped here.
	 */
	coversSeen(seen: SeenEvents): boolean {
		const oldest = this.entries[0];
		return oldest?.origin !== undefined && (seen[oldest.origin] ?? -1) >= oldest.number!;
	}

	/**
	 * What a member with `seen` lacks, in this log's order; call {@link coversSeen} first.
	 * An event of a process the member knows is new to it when its number is higher. One of a
	 * process it has heard nothing of is new when it comes after the last event it has:
	 * before that, it was logged before the member joined.
	 */
	afterSeen(seen: SeenEvents): LoggedEvent[] {
		const entries = this.entries;
		let lastHad = -1;
		for (let index = entries.length - 1; index >= 0; index--) {
			const { origin, number } = entries[index]!;
			if (origin !== undefined && (seen[origin] ?? -1) >= number!) {
				lastHad = index;
				break;
			}
		}
		return entries.filter(({ origin, number }, index) => {
			const had = origin === undefined ? undefined : seen[origin];
			return had === undefined ? index > lastHad : number! > had;
		});
	}
}

/**
 * The room logs of one server, made on first use, trimmed and forgotten by a sweep that
 * runs a few times per buffer age. Kept by room key, the same key Socket.IO's rooms use.
 *
 * Memory is bounded by `size` entries per room that saw events within `age`. A log whose
 * room has members stays (even when quiet) so that its members can resume after a
 * disconnect; one without members is dropped `age` after its room emptied.
 *
 * Scaled out, every process logs every event of the app, with the process that emitted it
 * and that process's number for it: a member that reconnects to another process resumes
 * from that process's log by what it has of each (`coversSeen`, `afterSeen`).
 */
export class RoomLogs {
	#logs = new Map<string, RoomLog>();
	#settings: BufferSettings;
	/** This process among the others of a scaled-out app, in its logs' epochs and events. */
	readonly origin = randomBytes(6).toString('base64url');
	/** Scaled out: how many events this process has emitted, in every room. */
	#emitted = 0;
	#made = 0;
	#sweeper: ReturnType<typeof setInterval> | undefined;
	#hasMembers: (key: string) => boolean;

	/** @param hasMembers whether a room key has members on this server now */
	constructor(settings: BufferSettings, hasMembers: (key: string) => boolean) {
		this.#settings = settings;
		this.#hasMembers = hasMembers;
	}

	/** Applies a new size and age from now on (`vite dev`, when `hooks.socket.ts` changes). */
	reconfigure(settings: BufferSettings): void {
		this.#settings = settings;
	}

	get(key: string): RoomLog | undefined {
		return this.#logs.get(key);
	}

	/** The room's log, made now if it has none. */
	open(key: string): RoomLog {
		let log = this.#logs.get(key);
		if (!log) {
			log = new RoomLog(`${this.origin}.${++this.#made}`, Date.now());
			this.#logs.set(key, log);
			this.#sweeper ??= this.#startSweeping();
		}
		return log;
	}

	/**
	 * Records one emitted event and returns its seq. Scaled out, with the process that emitted
	 * it and that process's number for it ({@link LoggedEvent.origin}).
	 */
	append(key: string, name: string, payload: unknown, id: string | number | undefined, origin?: string, number?: number): number {
		const log = this.open(key);
		const seq = ++log.seq;
		if (origin !== undefined) (log.latest ??= Object.create(null) as Record<string, number>)[origin] = number!;
		const { size } = this.#settings;
		if (size > 0) {
			log.entries.push({ seq, name, payload, id, at: Date.now(), origin, number });
			if (log.entries.length > size) log.entries.shift();
		}
		return seq;
	}

	/** Numbers the next event this process emits, scaled out (see {@link LoggedEvent.number}). */
	number(): number {
		return ++this.#emitted;
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

	/**
	 * Forgets every log: the next event of a room starts a log with a new epoch, so no member's
	 * position is covered any more and each re-join reads the events' `history`.
	 */
	forgetAll(): void {
		this.#logs.clear();
	}

	/** Stops the sweep (the server closed); logs made later start it again. */
	stop(): void {
		clearInterval(this.#sweeper);
		this.#sweeper = undefined;
	}

	#startSweeping(): ReturnType<typeof setInterval> {
		const every = Math.max(1000, Math.min(30_000, this.#settings.age / 4));
		const timer = setInterval(() => this.sweep(), every);
		timer.unref();
		return timer;
	}
}
