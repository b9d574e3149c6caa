import { PeriodicSweep } from '../support/periodic-sweep.js';
import { TokenBucket } from '../support/token-bucket.js';

// Limits beyond one connection: 40 fresh connections of one client once made 4,000
// calls in 409 ms, since every limit was per connection. A budget here is shared by every
// connection of one client address or one user, and is held by reference from each
// connection (no lookup per packet). It goes once its last connection has closed and its
// buckets have refilled: dropped earlier, closing every connection and opening a new one
// would hand out a fresh burst each time.

/** How often budgets without connections are looked at, to drop those that refilled. */
const SWEEP_MS = 10_000;

/**
 * What the connections of one address or one user spend together: one token bucket, made
 * on first use, and how many connections hold the budget.
 */
export class SharedBudget {
	readonly key: string;
	/** The budgets this one is kept among. */
	readonly owner: SharedBudgets;
	/** Connections holding this budget (for an address: open or still opening). */
	holders = 0;
	#bucket: TokenBucket | undefined;
	#second: TokenBucket | undefined;

	constructor(key: string, owner: SharedBudgets) {
		this.key = key;
		this.owner = owner;
	}

	/** Spends one token of the first bucket (handshakes of an address, calls of a user). */
	// The rate and burst are read only when the bucket is made: two numbers rather than an object, since calls pass here.
	take(perSecond: number, burst: number): boolean {
		return (this.#bucket ??= new TokenBucket(perSecond, burst)).take();
	}

	/** Spends one token of the second bucket (joins of a user). */
	takeSecond(perSecond: number, burst: number): boolean {
		return (this.#second ??= new TokenBucket(perSecond, burst)).take();
	}

	/** True when forgetting this budget changes nothing: nobody holds it and its buckets are full. */
	isSpare(): boolean {
		return this.holders === 0 && (this.#bucket?.isFull() ?? true) && (this.#second?.isFull() ?? true);
	}
}

/**
 * The budgets of one kind (addresses, users) by key. At most one lookup per handshake or
 * per new connection; a budget with no connection left is dropped at once when it has
 * refilled, else by a sweep every {@link SWEEP_MS}, so a process keeps budgets only for the
 * addresses and users connected now or a few seconds ago.
 *
 * @example
 * ```ts
 * const users = new SharedBudgets();
 * const budget = users.hold('user:42');
 * if (!budget.take(200, 400)) refuse();
 * users.release(budget);
 * ```
 */
export class SharedBudgets {
	#budgets = new Map<string, SharedBudget>();
	readonly #sweep = new PeriodicSweep(() => this.sweep(), SWEEP_MS);

	/** The budget of `key`, made if missing, without holding it (a handshake's check). */
	get(key: string): SharedBudget {
		let budget = this.#budgets.get(key);
		if (!budget) {
			this.#budgets.set(key, (budget = new SharedBudget(key, this)));
			this.#sweep.start();
		}
		return budget;
	}

	/** The budget of `key`, held by one more connection until {@link release}. */
	hold(key: string): SharedBudget {
		const budget = this.get(key);
		budget.holders++;
		return budget;
	}

	/** One connection lets go of `budget`; a spare budget is forgotten now. */
	release(budget: SharedBudget): void {
		budget.holders--;
		if (budget.isSpare() && this.#budgets.get(budget.key) === budget) this.#budgets.delete(budget.key);
	}

	/** How many budgets are kept (for tests and the docs' memory figures). */
	get size(): number {
		return this.#budgets.size;
	}

	/** Forgets the spare budgets; stops sweeping once none is kept. */
	sweep(): void {
		for (const [key, budget] of this.#budgets) if (budget.isSpare()) this.#budgets.delete(key);
		if (this.#budgets.size === 0) this.stop();
	}

	stop(): void {
		this.#sweep.stop();
	}
}
