import { expect, it } from 'vitest';
import { SharedBudgets } from './shared-budgets.js';

it('keeps a budget while held, and after its last holder only until it has refilled (#19)', async () => {
	const budgets = new SharedBudgets();
	const held = budgets.hold('user:1');
	expect(budgets.hold('user:1')).toBe(held);
	expect(held.take(1000, 2)).toBe(true);
	budgets.release(held);
	budgets.release(held);
	// Spent a token: kept, or closing every connection would hand out a fresh burst.
	expect(budgets.size).toBe(1);
	await new Promise((resolve) => setTimeout(resolve, 10));
	budgets.sweep();
	expect(budgets.size).toBe(0);
	const fresh = budgets.hold('user:2');
	budgets.release(fresh);
	expect(budgets.size).toBe(0);
	budgets.stop();
});
