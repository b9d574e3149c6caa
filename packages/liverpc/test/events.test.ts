import { describe, expect, it } from 'vitest';
import { chat, connect, eventually, notes, startServer } from './harness.js';
import type { ChatMessage } from './fixtures/store.js';

describe('room events', () => {
	it('reach every member of that room instance, the sender included, and no other room', async () => {
		const { url } = await startServer();
		const alice = connect(url, 'session=s-alice').live(chat, { roomId: '1' });
		const bob = connect(url, 'session=s-bob').live(chat, { roomId: '1' });
		const eve = connect(url, 'session=s-eve').live(chat, { roomId: '2' });
		await eventually(() => expect([alice.status, bob.status, eve.status]).toEqual(['joined', 'joined', 'joined']));

		const seen = { alice: [] as ChatMessage[], bob: [] as ChatMessage[], eve: [] as ChatMessage[] };
		alice.on('message', (m) => seen.alice.push(m));
		bob.on('message', (m) => seen.bob.push(m));
		eve.on('message', (m) => seen.eve.push(m));

		const fromBob = await bob.send({ text: 'for room 1' });
		const fromEve = await eve.send({ text: 'for room 2' });
		await eventually(() => expect(seen.alice).toEqual([fromBob]));
		expect(seen.bob).toEqual([fromBob]);
		await eventually(() => expect(seen.eve).toEqual([fromEve]));
		await new Promise((resolve) => setTimeout(resolve, 50));
		expect(seen.eve).toEqual([fromEve]);
		expect(seen.alice).toEqual([fromBob]);
	});

	it('arrive in the order they were emitted', async () => {
		const { url } = await startServer();
		const sender = connect(url, 'session=s-alice').live(chat, { roomId: '1' });
		const watcher = connect(url, 'session=s-bob').live(chat, { roomId: '1' });
		await eventually(() => expect([sender.status, watcher.status]).toEqual(['joined', 'joined']));
		const received: string[] = [];
		watcher.on('notice', ({ text }) => received.push(text));
		await sender.burst({ count: 300 });
		await eventually(() => expect(received).toHaveLength(300));
		expect(received).toEqual(Array.from({ length: 300 }, (_, i) => String(i)));
	});

	it('go to the room that to(params) names, from outside any handler', async () => {
		const { url } = await startServer();
		const one = connect(url, 'session=s-alice').live(chat, { roomId: '1' });
		const two = connect(url, 'session=s-eve').live(chat, { roomId: '2' });
		await eventually(() => expect([one.status, two.status]).toEqual(['joined', 'joined']));
		const inOne: string[] = [];
		const inTwo: string[] = [];
		one.on('notice', (n) => inOne.push(n.text));
		two.on('notice', (n) => inTwo.push(n.text));
		chat.notice.to({ roomId: '2' }).emit({ text: 'maintenance at noon' });
		await eventually(() => expect(inTwo).toEqual(['maintenance at noon']));
		expect(inOne).toEqual([]);
		expect(() => chat.notice.to({ room: '2' } as never)).toThrow(/an unknown param \(the route takes 'roomId'\)/);
	});

	it('go to the connections the hook named by a key with toKey(), every tab of theirs, and to nobody else', async () => {
		const { url } = await startServer();
		const aliceOne = connect(url, 'session=s-alice').live(chat, { roomId: '1' });
		const aliceTwo = connect(url, 'session=s-alice').live(chat, { roomId: '1' });
		const bob = connect(url, 'session=s-bob').live(chat, { roomId: '1' });
		await eventually(() => expect([aliceOne.status, aliceTwo.status, bob.status]).toEqual(['joined', 'joined', 'joined']));
		const heard = { aliceOne: [] as string[], aliceTwo: [] as string[], bob: [] as string[] };
		aliceOne.on('notice', (n) => heard.aliceOne.push(n.text));
		aliceTwo.on('notice', (n) => heard.aliceTwo.push(n.text));
		bob.on('notice', (n) => heard.bob.push(n.text));
		chat.notice.toKey('user:u-alice').emit({ text: 'for alice' });
		await eventually(() => expect([heard.aliceOne, heard.aliceTwo]).toEqual([['for alice'], ['for alice']]));
		// Not logged: a room event after it is still the next in the room's order for everyone.
		chat.notice.to({ roomId: '1' }).emit({ text: 'for room 1' });
		await eventually(() => expect(heard.bob).toEqual(['for room 1']));
		expect(heard.aliceOne).toEqual(['for alice', 'for room 1']);
		expect(() => chat.notice.toKey('' as string)).toThrow(/toKey\(\) takes a key/);
	});

	it('refuse emit() outside a handler, pointing at to(params)', () => {
		expect(() => chat.message.emit({ seq: 0, roomId: '1', userId: 'x', text: 'x' })).toThrow(/message\.to\(params\)\.emit/);
	});

	it('stop reaching a handle that left', async () => {
		const { url } = await startServer();
		const client = connect(url);
		const stays = client.live(notes);
		const leaves = client.live(notes);
		await eventually(() => expect(stays.status).toBe('joined'));
		const counts = { stays: 0, leaves: 0 };
		stays.on('added', () => counts.stays++);
		leaves.on('added', () => counts.leaves++);
		leaves.leave();
		await stays.add({ title: 't', tags: [] });
		await eventually(() => expect(counts.stays).toBe(1));
		expect(counts.leaves).toBe(0);
	});
});
