import { expect, it } from 'vitest';
import { HISTORY, type JoinAck } from '../shared/protocol.js';
import { CallDeadlines } from './call-deadlines.js';
import { CallNumbers } from './call-numbers.js';
import { LiveError } from './live-error.js';
import { plainState } from './reactive-state.js';
import { RoomChannel, type ChannelHost, type PendingCall } from './room-channel.js';

// A room channel asking for a page of older events: one HISTORY packet naming its
// membership, answered as the server answers, and nothing sent while it is not joined. What
// comes back is checked: a reply that is not a page is a 500, a lost connection a 503.
type Ack = ((lost: Error | null, error?: unknown, page?: unknown) => void) & { withError?: boolean };

function joinedChannel() {
	const sent: unknown[][] = [];
	const socket = { emit: (...args: unknown[]) => void sent.push(args) };
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
	const channel = new RoomChannel(host, 'logs/[id]/log', { id: 'x' }, 'x');
	channel.retain({ joined: () => {}, event: () => {} });
	channel.join();
	const join = sent.shift()!;
	(join.at(-1) as (error: unknown, ack: JoinAck) => void)(null, { room: 'k', ref: 3, reply: {}, log: ['e', 0], resumed: true, events: [] });
	/** The ack of the last packet sent, and the packet without it. */
	const last = () => {
		const packet = sent.at(-1)!;
		return { packet: packet.slice(0, -1), ack: packet.at(-1) as Ack };
	};
	return { channel, sent, last };
}

it('sends one HISTORY packet naming the membership, and resolves with the page', async () => {
	const { channel, last } = joinedChannel();
	const asked = channel.history('line', 40, 25);
	const { packet, ack } = last();
	expect(packet).toEqual([HISTORY, 3, 'line', 40, 25]);
	expect(ack.withError).toBe(true); // socket.io-client then reports a lost connection
	ack(null, null, { events: [[{ id: 39 }, 39]], more: true });
	expect(await asked).toEqual({ events: [[{ id: 39 }, 39]], more: true });
});

it('rejects with the server’s body, a 500 for a reply that is no page, a 503 when the connection is lost', async () => {
	const { channel, last } = joinedChannel();
	const refused = channel.history('line', 40, 25);
	last().ack(null, { status: 429, message: 'Too many calls: slow down' });
	await expect(refused).rejects.toMatchObject({ status: 429, message: 'Too many calls: slow down' });
	for (const reply of [undefined, { events: 'x', more: true }, { events: [[{}, { id: 1 }]], more: true }, { events: [], more: 'yes' }]) {
		const malformed = channel.history('line', 40, 25);
		last().ack(null, null, reply);
		await expect(malformed).rejects.toMatchObject({ status: 500, message: 'Malformed history reply' });
	}
	const lost = channel.history('line', 40, 25);
	last().ack(new Error('disconnected'));
	const error = await lost.catch((thrown: unknown) => thrown);
	expect(error).toBeInstanceOf(LiveError);
	expect(error).toMatchObject({ status: 503 });
});

it('sends nothing while the room is not joined, and after it was left', async () => {
	const { channel, sent } = joinedChannel();
	const before = sent.length;
	channel.disconnected();
	await expect(channel.history('line', 40, 25)).rejects.toMatchObject({ status: 503 });
	channel.end();
	await expect(channel.history('line', 40, 25)).rejects.toMatchObject({ status: 410 });
	expect(sent.length).toBe(before);
});
