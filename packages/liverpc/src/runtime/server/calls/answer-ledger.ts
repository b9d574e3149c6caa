import type { LiveLimits } from '../options/live-options.js';

// Call memory capped process-wide and per user: one user with 300 connections × 100
// calls would keep ~35 MB of answers for 2–4 minutes without them. Every answered call the memory keeps is
// counted here, in two lists from oldest to newest, one for the process and one per user;
// past a cap the oldest answers are forgotten first. A copy of a forgotten call sent after a
// reconnect then runs again: that is the price of the cap, paid only by a user who keeps
// more than `maxCallMemoryBytesPerUser` of answers unacknowledged, or when the whole process
// passes `maxCallMemoryBytes`.

/** What each remembered answer costs besides its own size: the record, its slot, its links. */
export const ANSWER_OVERHEAD_BYTES = 128;

/** A remembered answer as the ledger links it (a `CallRecord` of call-memory.ts). */
export interface LedgerEntry {
	/** What this answer counts for, 0 while not in the ledger. */
	ledgerBytes: number;
	ledgerUser: UserAnswers | undefined;
	older: LedgerEntry | undefined;
	newer: LedgerEntry | undefined;
	userOlder: LedgerEntry | undefined;
	userNewer: LedgerEntry | undefined;
	/** Called when the ledger forgets this answer to stay within a cap: its memory lets go of it. */
	evicted(): void;
}

/** The answers of one user, oldest first. */
export class UserAnswers {
	readonly key: string;
	bytes = 0;
	oldest: LedgerEntry | undefined;
	newest: LedgerEntry | undefined;

	constructor(key: string) {
		this.key = key;
	}
}

/**
 * The answers call memory keeps, with their bytes, in the process and per user.
 *
 * @example
 * ```ts
 * const ledger = new AnswerLedger(() => settings.options.limits);
 * ledger.add(record, 'user:42', ANSWER_OVERHEAD_BYTES + answerSize(output, limits.maxCallMemoryBytesPerUser));
 * ledger.remove(record); // the client acknowledged it
 * ```
 */
export class AnswerLedger {
	readonly #limits: () => Readonly<LiveLimits>;
	#users = new Map<string, UserAnswers>();
	#oldest: LedgerEntry | undefined;
	#newest: LedgerEntry | undefined;
	/** Bytes of every answer kept. */
	bytes = 0;
	/** Answers kept. */
	entries = 0;

	constructor(limits: () => Readonly<LiveLimits>) {
		this.#limits = limits;
	}

	/** Counts a new answer as the newest, then forgets the oldest ones past either cap. */
	add(entry: LedgerEntry, userKey: string, bytes: number): void {
		if (entry.ledgerUser) this.remove(entry);
		let user = this.#users.get(userKey);
		if (!user) this.#users.set(userKey, (user = new UserAnswers(userKey)));
		entry.ledgerBytes = bytes;
		entry.ledgerUser = user;
		entry.older = this.#newest;
		entry.newer = undefined;
		if (this.#newest) this.#newest.newer = entry;
		else this.#oldest = entry;
		this.#newest = entry;
		entry.userOlder = user.newest;
		entry.userNewer = undefined;
		if (user.newest) user.newest.userNewer = entry;
		else user.oldest = entry;
		user.newest = entry;
		this.bytes += bytes;
		user.bytes += bytes;
		this.entries++;

		const limits = this.#limits();
		while (user.bytes > limits.maxCallMemoryBytesPerUser && user.oldest) this.#evict(user.oldest);
		while (this.bytes > limits.maxCallMemoryBytes && this.#oldest) this.#evict(this.#oldest);
	}

	/** Stops counting an answer (acknowledged, replaced or swept); nothing if it is not counted. */
	remove(entry: LedgerEntry): void {
		const user = entry.ledgerUser;
		if (!user) return;
		if (entry.older) entry.older.newer = entry.newer;
		else this.#oldest = entry.newer;
		if (entry.newer) entry.newer.older = entry.older;
		else this.#newest = entry.older;
		if (entry.userOlder) entry.userOlder.userNewer = entry.userNewer;
		else user.oldest = entry.userNewer;
		if (entry.userNewer) entry.userNewer.userOlder = entry.userOlder;
		else user.newest = entry.userOlder;
		this.bytes -= entry.ledgerBytes;
		user.bytes -= entry.ledgerBytes;
		this.entries--;
		// A user left with no answer keeps its entry until the next sweep: most calls are
		// forgotten as the next one starts, and deleting here would re-create it every call.
		entry.ledgerUser = entry.older = entry.newer = entry.userOlder = entry.userNewer = undefined;
		entry.ledgerBytes = 0;
	}

	/** Forgets the users left with no answer (call memory's sweep, every two minutes). */
	sweep(): void {
		for (const [key, user] of this.#users) if (!user.oldest) this.#users.delete(key);
	}

	/** Bytes kept for one user (for tests). */
	bytesOf(userKey: string): number {
		return this.#users.get(userKey)?.bytes ?? 0;
	}

	#evict(entry: LedgerEntry): void {
		this.remove(entry);
		entry.evicted();
	}
}
