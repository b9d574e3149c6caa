import { describe, expect, it } from 'vitest';
import type { PresenceRow } from '../../shared/protocol.js';
import { PresenceBatches } from './presence-batch.js';
import { PresenceTracker } from './presence-tracker.js';

// The netting of one window, against the real tracker: what goes in the one packet.
function setup(members = true) {
	const tracker = new PresenceTracker();
	const sent: Array<[string, PresenceRow[], string[]]> = [];
	const batches = new PresenceBatches(tracker, () => members, (room, upserts, removals) => sent.push([room, upserts, removals]), () => 60_000);
	const track = (connection: string, id: string) => {
		const before = tracker.row('r', id);
		tracker.track('r', connection, id, { id });
		batches.changed('r', id, before);
	};
	const untrack = (connection: string, id: string) => {
		const before = tracker.row('r', id);
		tracker.untrack('r', connection);
		batches.changed('r', id, before);
	};
	return { tracker, sent, batches, track, untrack };
}

describe('PresenceBatches', () => {
	it('nets a join followed by a leave of the same entry in one window to nothing', () => {
		const { sent, batches, track, untrack } = setup();
		for (let i = 0; i < 100; i++) {
			track(`c${i % 10}`, 'alice');
			untrack(`c${i % 10}`, 'alice');
		}
		batches.flush();
		expect(sent).toEqual([]);
	});

	it('sends one packet per window with the rows as they stand and the entries gone', () => {
		const { sent, batches, track, untrack } = setup();
		track('b1', 'bob');
		batches.flush();
		sent.length = 0;
		track('a1', 'alice');
		track('a2', 'alice');
		track('a3', 'alice');
		untrack('a2', 'alice');
		untrack('b1', 'bob');
		batches.flush();
		expect(sent).toEqual([['r', [['alice', { id: 'alice' }, 2]], ['bob']]]);
	});

	it('tells a joiner listed mid-window that an entry it was given has gone', () => {
		const { sent, batches, tracker, track, untrack } = setup();
		track('a1', 'alice');
		batches.listed('r'); // a join ack with alice in it
		expect(tracker.list('r')).toEqual([['alice', { id: 'alice' }, 1]]);
		untrack('a1', 'alice');
		batches.flush();
		expect(sent).toEqual([['r', [], ['alice']]]);
	});

	it('sends nothing for an entry that every member already holds as it stands', () => {
		// The room had no members when alice arrived: the joiner's own ack listed her.
		const { sent, batches, track } = setup(false);
		track('a1', 'alice');
		batches.listed('r');
		batches.flush();
		expect(sent).toEqual([]);
	});
});
