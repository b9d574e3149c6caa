import { expect, it } from 'vitest';
import { SharedBudgets } from './shared-budgets.js';

it('keeps a budget while held, and after its last holder only until it has refilled', async () => {
	const budgets = new SharedBudgets();
	const held = budgets.hold('user:1');
	expect(budgets.hold('user:1')).toBe(held);
	// 5 tokens a second: the spent one takes 200 ms to come back, ample for a loaded machine.
	expect(held.take(5, 2)).toBe(true);
	budgets.release(held);
	budgets.release(held);
	// Spent a token: kept, or closing every connection would hand out a fresh burst.
	expect(budgets.size).toBe(1);
	await new Promise((resolve) => setTimeout(resolve, 300));
	budgets.sweep();
	expect(budgets.size).toBe(0);
	const fresh = budgets.hold('user:2');
	budgets.release(fresh);
	expect(budgets.size).toBe(0);
	budgets.stop();
});
