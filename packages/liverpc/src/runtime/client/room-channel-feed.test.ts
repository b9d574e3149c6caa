import { expect, it } from 'vitest';
import type { JoinAck, JoinEvent } from '../shared/protocol.js';
import { CallDeadlines } from './call-deadlines.js';
import { CallNumbers } from './call-numbers.js';
import { plainState } from './reactive-state.js';
import { RoomChannel, type ChannelHost, type PendingCall } from './room-channel.js';

// What a room channel tells its handles' collections about each join: whether it resumed,
// which of its events the room delivered before (`seen`), and of which events it holds one
// (`continued`). A socket of its own answers each join with the ack the test hands it.
function channelWithSocket() {
	const answers: Array<(error: unknown, ack: JoinAck) => void> = [];
	const socket = { emit: (...args: unknown[]) => answers.push(args.at(-1) as (error: unknown, ack: JoinAck) => void) };
	const host: ChannelHost = {
		connectedSocket: () => socket,
		bindKey: () => {},
		release: () => {},
		makeState: plainState,
		connectable: true,
		backoff: undefined,
		callNumbers: new CallNumbers(),
		callDeadlines: new CallDeadlines<PendingCall>(Infinity, () => {}),
		maxHeldCalls: 10
	};
	const channel = new RoomChannel(host, 'boards/[id]/board', { id: 'b' }, 'b');
	const heard: string[] = [];
	channel.retain({
		joined: (resumed, continued) => heard.push(`joined ${resumed} [${[...continued].join()}]`),
		event: (name, payload, seen) => heard.push(`${name} ${(payload as { id: number }).id}${seen ? ' seen' : ''}`)
	});
	const answer = (resumed: boolean, events: JoinEvent[]) => {
		channel.join();
		answers.shift()!(null, { room: 'k', ref: 1, reply: {}, log: ['e', events.length], resumed, events });
	};
	return { channel, heard, answer };
}

const post = (id: number): JoinEvent => ['post', { id }, id, id];

it('marks the events a join holds again, and names the events of which it holds one, in any place', () => {
	const { channel, heard, answer } = channelWithSocket();
	answer(true, [post(1), post(2), post(3)]);
	channel.disconnected();
	// Cut short (resumed false), and scaled out: a post stored earlier but announced late
	// comes first, new to this room, ahead of one it has.
	answer(false, [post(9), post(3), post(4), ['topic', { id: 0 }, 5]]);
	expect(heard).toEqual(['joined true []', 'post 1', 'post 2', 'post 3', 'joined false [post]', 'post 9', 'post 3 seen', 'post 4', 'topic 0']);
});

it('names none when the join did resume: nothing was cut', () => {
	const { channel, heard, answer } = channelWithSocket();
	answer(true, [post(1)]);
	channel.disconnected();
	answer(true, [post(1), post(2)]);
	expect(heard.slice(2)).toEqual(['joined true []', 'post 1 seen', 'post 2']);
});
