import type { Socket } from 'socket.io';
import type { LiveLimits } from '../options/live-options.js';
import { budgetOf } from './packet-gate.js';
import { SharedBudgets, type SharedBudget } from './shared-budgets.js';
import { userKeyOf } from './user-key.js';

// Calls and joins per user across connections: the per-connection rates let 40
// connections of one user make 40 times as many calls. Each connection holds its user's
// budget from the moment it is admitted to its disconnect, and the packet gate spends from
// it after the connection's own bucket: no lookup on the hot path, one pointer per connection.

/**
 * The shared call and join budgets of the users (or, for connections without keys, client
 * addresses) connected to one server.
 *
 * @example
 * ```ts
 * const users = new UserBudgets(() => settings.options.limits);
 * io.on('connection', (socket) => {
 *   holdUserBudget(users, socket);
 *   socket.on('disconnect', releaseUserBudget);
 * });
 * ```
 */
export class UserBudgets {
	readonly #budgets = new SharedBudgets();

	/** Stops the sweeps (server closed). */
	stop(): void {
		this.#budgets.stop();
	}

	/** Users kept (for tests). */
	get size(): number {
		return this.#budgets.size;
	}

	hold(key: string): SharedBudget {
		return this.#budgets.hold(key);
	}
}

/** Gives a newly connected socket's connection budget its user's budget. */
export function holdUserBudget(users: UserBudgets, socket: Socket): void {
	budgetOf(socket).user = users.hold(userKeyOf(socket));
}

/** Listener of `disconnect`: the connection lets go of its user's budget. */
export function releaseUserBudget(this: Socket): void {
	const connection = budgetOf(this);
	const budget = connection.user;
	if (!budget) return;
	connection.user = undefined;
	budget.owner.release(budget);
}
