import { afterAll, describe, expect, it } from 'vitest';
import { LiveError } from 'liverpc/client';
import { createTestServer } from 'liverpc/testing';
import * as hooks from '../../../hooks.socket';
import { createSession } from '$lib/server/sessions';
import * as messages from '$lib/server/messages';
import type { SessionUser } from '$lib/types';
import { actions } from './+page.server';
import * as chat from './chat.socket';

// The tenant room's contract, tested in this process with liverpc/testing: no port, no
// browser. The database is a fresh file (vitest.config.ts sets DATABASE_PATH).
const alice: SessionUser = { id: 'alice', name: 'Alice', tenantId: 'acme' };
const carol: SessionUser = { id: 'carol', name: 'Carol', tenantId: 'globex' };
const server = createTestServer({ contracts: [chat], hooks });
afterAll(() => server.close());

describe('rooms/[roomId]/chat', () => {
	it('admits a member of the tenant, saves what it sends and pushes it to the room', async () => {
		const room = await server.connect({ locals: { user: alice } }).join(chat, { roomId: 'acme-general' });
		expect(room.joined).toEqual({ room: { id: 'acme-general', name: 'Acme general' } });
		const saved = await room.send({ text: '  hello from a unit test  ' });
		expect(saved).toMatchObject({ roomId: 'acme-general', userId: 'alice', userName: 'Alice', text: 'hello from a unit test' });
		expect(await room.next('message')).toEqual(saved);
		expect(messages.latest('acme-general', 1)).toEqual([saved]);
		// Who joins later gets it with the join, as history.
		const later = await server.connect({ locals: { user: { ...alice, id: 'bob', name: 'Bob' } } }).join(chat, { roomId: 'acme-general' });
		expect(later.received('message')).toEqual([saved]);
	});

	it('lists who is in the room, one entry per user, built from the admitted user', async () => {
		const first = await server.connect({ locals: { user: alice } }).join(chat, { roomId: 'acme-ops' });
		const second = await server.connect({ locals: { user: alice } }).join(chat, { roomId: 'acme-ops' });
		expect(second.presence).toEqual([{ id: 'alice', name: 'Alice', connections: 2 }]);
		first.leave();
		await expect.poll(() => second.presence).toEqual([{ id: 'alice', name: 'Alice', connections: 1 }]);
		second.leave();
	});

	it('refuses no user, another tenant and an unknown room, with the status the page shows', async () => {
		await expect(server.connect({ locals: {} }).join(chat, { roomId: 'acme-general' })).rejects.toMatchObject({ status: 401 });
		await expect(server.connect({ locals: { user: carol } }).join(chat, { roomId: 'acme-general' })).rejects.toMatchObject({
			status: 403,
			message: 'This room belongs to another tenant'
		});
		await expect(server.connect({ locals: { user: alice } }).join(chat, { roomId: 'nowhere' })).rejects.toMatchObject({ status: 404 });
	});

	it('reads the user from the session cookie through the real hooks.socket.ts', async () => {
		const session = createSession('alice');
		const room = await server.connect({ cookies: { session } }).join(chat, { roomId: 'acme-ops' });
		expect((await room.send({ text: 'signed in by cookie' })).userId).toBe('alice');
		await expect(server.connect({ cookies: { session: 'forged' } }).join(chat, { roomId: 'acme-ops' })).rejects.toMatchObject({ status: 401 });
	});

	it('gives the page of messages before an id through the history, and says when it reached the first', async () => {
		const sent = [1, 2, 3, 4, 5].map((n) => messages.add('globex-general', carol, `page ${n}`).message);
		const ids = sent.map((message) => message.id);
		const page = (before: unknown, limit: number) =>
			chat.message.history!({ params: { roomId: 'globex-general' }, locals: {}, route: { id: 'rooms/[roomId]/chat' }, room: 'rooms/globex-general/chat', connectionId: 'unit', lastEventId: undefined, before: before as number, limit });
		expect(await page(ids[4], 2)).toEqual({ events: sent.slice(2, 4), complete: false });
		expect(await page(ids[2], 2)).toEqual({ events: sent.slice(0, 2), complete: true });
		expect(await page(ids[0], 2)).toEqual({ events: [], complete: true });
		// From the browser: anything but a number finds nothing, and is never part of the SQL.
		expect(await page(`${ids[4]} OR 1=1`, 2)).toEqual({ events: [], complete: true });
	});

	it('stores a message sent twice under one key once, and announces it once', async () => {
		const room = await server.connect({ locals: { user: alice } }).join(chat, { roomId: 'acme-ops' });
		const first = await room.send({ text: 'only once', key: 'unit-key-1' });
		const again = await room.send({ text: 'only once', key: 'unit-key-1' });
		expect(again).toEqual(first);
		expect(await room.next('message')).toEqual(first);
		await expect(room.next('message', { timeout: 300 })).rejects.toThrow(/No 'message' event/);
	});

	it("refuses input the schema refuses, naming the field and not echoing it", async () => {
		const room = await server.connect({ locals: { user: alice } }).join(chat, { roomId: 'acme-general' });
		const tooLong = 'secret-'.repeat(400);
		const refused = await room.send({ text: tooLong }).catch((error: unknown) => error);
		expect(refused).toBeInstanceOf(LiveError);
		expect(refused).toMatchObject({ status: 400, issues: [{ path: ['text'] }] });
		expect(JSON.stringify((refused as LiveError).body)).not.toContain('secret-');
	});

	it("delivers the send form action's message.to(params).emit() to the room's members", async () => {
		const room = await server.connect({ locals: { user: alice } }).join(chat, { roomId: 'acme-general' });
		const body = new FormData();
		body.set('text', 'posted without JavaScript');
		body.set('key', 'unit-form-key');
		const request = new Request('http://localhost/rooms/acme-general?/send', { method: 'POST', body });
		const result = await actions.send({ request, params: { roomId: 'acme-general' }, locals: { user: alice } } as never);
		expect(result).toEqual({ sent: true });
		expect((await room.next('message')).text).toBe('posted without JavaScript');
	});

	it('tells the other members who is typing, by the admitted name, and keeps none of it for who joins later', async () => {
		const bob = { ...alice, id: 'bob', name: 'Bob' };
		const watcher = await server.connect({ locals: { user: bob } }).join(chat, { roomId: 'acme-ops' });
		const typist = await server.connect({ locals: { user: alice } }).join(chat, { roomId: 'acme-ops' });
		await typist.setTyping(true);
		expect(await watcher.next('typing')).toEqual({ userId: 'alice', name: 'Alice', typing: true });
		await typist.setTyping(false);
		expect(await watcher.next('typing')).toEqual({ userId: 'alice', name: 'Alice', typing: false });
		const later = await server.connect({ locals: { user: bob } }).join(chat, { roomId: 'acme-ops' });
		expect(later.received('typing')).toEqual([]);
		await expect(typist.setTyping('yes' as never)).rejects.toMatchObject({ status: 400 });
	});
});
