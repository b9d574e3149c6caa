import { describe, expect, it } from 'vitest';
import { PresenceTracker } from './presence-tracker.js';

describe('PresenceTracker', () => {
	it('keeps one entry per id with its connection count, and says only what changed', () => {
		const tracker = new PresenceTracker();
		const alice = { id: 'alice', name: 'Alice' };
		expect(tracker.track('r', 'c1', 'alice', alice)).toEqual({ upserts: [['alice', alice, 1]], removals: [] });
		expect(tracker.track('r', 'c2', 'alice', alice)).toEqual({ upserts: [['alice', alice, 2]], removals: [] });
		// The same connection tracked again with the same entry: nothing to tell.
		expect(tracker.track('r', 'c2', 'alice', alice)).toBeUndefined();
		expect(tracker.track('r', 'c3', 'bob', { id: 'bob' })).toEqual({ upserts: [['bob', { id: 'bob' }, 1]], removals: [] });
		expect(tracker.list('r')).toEqual([
			['alice', alice, 2],
			['bob', { id: 'bob' }, 1]
		]);
		expect(tracker.untrack('r', 'c1')).toEqual({ upserts: [['alice', alice, 1]], removals: [] });
		expect(tracker.untrack('r', 'c2')).toEqual({ upserts: [], removals: ['alice'] });
		expect(tracker.untrack('r', 'c2')).toBeUndefined();
		expect(tracker.list('other')).toEqual([]);
	});

	it('moves a connection whose entry id changed, removing the old entry with it', () => {
		const tracker = new PresenceTracker();
		tracker.track('r', 'c1', 'guest-1', { id: 'guest-1' });
		expect(tracker.track('r', 'c1', 'alice', { id: 'alice' })).toEqual({ upserts: [['alice', { id: 'alice' }, 1]], removals: ['guest-1'] });
		expect(tracker.list('r')).toEqual([['alice', { id: 'alice' }, 1]]);
		expect(tracker.untrack('r', 'c1')).toEqual({ upserts: [], removals: ['alice'] });
		expect(tracker.list('r')).toEqual([]);
		// When the old entry has another connection, it stays, one connection fewer.
		tracker.track('r', 'c1', 'guest', { id: 'guest' });
		tracker.track('r', 'c2', 'guest', { id: 'guest' });
		expect(tracker.track('r', 'c1', 'alice', { id: 'alice' })).toEqual({
			upserts: [
				['guest', { id: 'guest' }, 1],
				['alice', { id: 'alice' }, 1]
			],
			removals: []
		});
	});
});
