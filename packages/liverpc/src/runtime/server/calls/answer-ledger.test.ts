import { expect, it } from 'vitest';
import { AnswerLedger, type LedgerEntry } from './answer-ledger.js';
import { DEFAULT_LIMITS } from '../options/live-options.js';

const entry = (evicted: string[], name: string): LedgerEntry => ({
	ledgerBytes: 0,
	ledgerUser: undefined,
	older: undefined,
	newer: undefined,
	userOlder: undefined,
	userNewer: undefined,
	evicted: () => evicted.push(name)
});

it('forgets the oldest answers of a user past its cap, and the oldest of all past the process cap', () => {
	const evicted: string[] = [];
	const ledger = new AnswerLedger(() => ({ ...DEFAULT_LIMITS, maxCallMemoryBytesPerUser: 300, maxCallMemoryBytes: 500 }));
	ledger.add(entry(evicted, 'a1'), 'a', 100);
	ledger.add(entry(evicted, 'a2'), 'a', 100);
	ledger.add(entry(evicted, 'a3'), 'a', 100);
	ledger.add(entry(evicted, 'a4'), 'a', 100);
	expect(evicted).toEqual(['a1']);
	expect(ledger.bytesOf('a')).toBe(300);
	const b1 = entry(evicted, 'b1');
	ledger.add(b1, 'b', 100);
	ledger.add(entry(evicted, 'b2'), 'b', 100);
	ledger.add(entry(evicted, 'b3'), 'b', 100);
	expect(evicted).toEqual(['a1', 'a2']);
	expect(ledger.bytes).toBe(500);
	ledger.remove(b1);
	expect(ledger.bytes).toBe(400);
	expect(ledger.entries).toBe(4);
	ledger.add(entry(evicted, 'big'), 'c', 1000);
	// One answer over the user's cap is not kept at all; nobody else's goes for it.
	expect(evicted).toEqual(['a1', 'a2', 'big']);
	expect(ledger.bytes).toBe(400);
});
