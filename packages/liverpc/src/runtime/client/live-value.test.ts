import { expect, it } from 'vitest';
import { createLiveValue } from './live-value.js';
import { plainState } from './reactive-state.js';
import { handDrivenRoom } from '../../../test/support/hand-driven-room.js';

it('holds the newest payload of its event, the join’s events included', () => {
	const room = handDrivenRoom();
	const topic = createLiveValue<{ text: string }>(plainState, room, 'topic');
	expect(topic.value).toBeUndefined();
	room.joined();
	room.emit('topic', { text: 'first' });
	room.emit('message', { text: 'not a topic' });
	expect(topic.value).toEqual({ text: 'first' });
	room.emit('topic', { text: 'second' });
	expect(topic.value).toEqual({ text: 'second' });
});

it('ignores a seen event of a resumed join; forgets the value after a join that did not resume, then takes its events', () => {
	const room = handDrivenRoom();
	const topic = createLiveValue<{ text: string }>(plainState, room, 'topic');
	room.joined();
	room.emit('topic', { text: 'one' });
	room.emit('topic', { text: 'two' });
	room.joined(true);
	room.emit('topic', { text: 'one' }, true);
	expect(topic.value).toEqual({ text: 'two' });
	room.joined(false);
	expect(topic.value).toBeUndefined();
	room.emit('topic', { text: 'two' }, true);
	expect(topic.value).toEqual({ text: 'two' });
	// Not resumed, but its topics carry on from what the room had: the value stays.
	room.joined(false, ['topic']);
	expect(topic.value).toEqual({ text: 'two' });
	room.emit('topic', { text: 'one' }, true);
	expect(topic.value).toEqual({ text: 'two' });
});

it('stops following on stop()', () => {
	const room = handDrivenRoom();
	const topic = createLiveValue<{ text: string }>(plainState, room, 'topic');
	topic.stop();
	room.emit('topic', { text: 'late' });
	expect(topic.value).toBeUndefined();
});
