import { io } from 'socket.io-client';
import { describe, expect, it, vi } from 'vitest';
import { chat, connect, eventually, notes, rejection, startServer } from './harness.js';
import { messages } from './fixtures/store.js';

async function joinedChat(cookie = 'session=s-alice') {
	const { url, server } = await startServer();
	const room = connect(url, cookie).live(chat, { roomId: '1' });
	await eventually(() => expect(room.status).toBe('joined'));
	return { url, server, room };
}


describe('calls', () => {
	it('acknowledges only after the handler finished and the message was persisted', async () => {
		const { room } = await joinedChat();
		const saved = await room.send({ text: '  hello  ' });
		expect(saved).toMatchObject({ roomId: '1', userId: 'u-alice', text: 'hello' }); // schema output: trimmed
		expect(messages.at(-1)).toEqual(saved);
	});

	it('ignores identity in the payload: user, userId, tenantId and locals change nothing', async () => {
		const { room } = await joinedChat('session=s-bob');
		const forged = { user: { id: 'u-eve', tenantId: 'globex' }, userId: 'u-eve', tenantId: 'globex', locals: { user: { id: 'u-eve' } } };
		expect(await room.whoami(forged)).toEqual({ userId: 'u-bob', tenantId: 'acme', roomId: '1' });
		const saved = await room.send({ text: 'hi', ...forged } as never);
		expect(saved.userId).toBe('u-bob');
	});

	it('answers a valibot schema failure with 400 and the issues, without the values', async () => {
		const { room } = await joinedChat();
		const error = await rejection(room.send({ text: 42 } as never));
		expect(error.status).toBe(400);
		expect(error.message).toBe('Invalid input');
		expect(error.issues).toHaveLength(1);
		expect(error.issues![0]!.path).toEqual(['text']);
		expect(error.issues![0]!.message).toMatch(/string/);
		expect(Object.keys(error.body).sort()).toEqual(['issues', 'message', 'status']);
		expect(Object.keys(error.issues![0]!).sort()).toEqual(['message', 'path']);

		const empty = await rejection(room.send({ text: '   ' }));
		expect(empty.issues![0]!.path).toEqual(['text']);
	});

	it('answers a zod schema failure with 400 and nested issue paths', async () => {
		const { url } = await startServer();
		const room = connect(url).live(notes);
		await eventually(() => expect(room.status).toBe('joined'));
		expect(await room.add({ title: 'a', tags: ['x'] })).toEqual({ ok: true, title: 'a' });
		const error = await rejection(room.add({ title: '', tags: ['x', 7] } as never));
		expect(error.status).toBe(400);
		const paths = error.issues!.map((issue) => issue.path);
		expect(paths).toContainEqual(['title']);
		expect(paths).toContainEqual(['tags', 1]);
	});

	it('refuses input to a call that takes none', async () => {
		const { url } = await startServer();
		const client = connect(url);
		const room = client.live(notes);
		await eventually(() => expect(room.status).toBe('joined'));
		expect(await room.ping()).toBe('pong');
		const error = await rejection((room.ping as (input: unknown) => Promise<string>)({ sneaky: true }));
		expect(error.status).toBe(400);
	});

	it('delivers what its wire type says: a Date as its string, a Map or Set as {}, undefined fields left out (#11)', async () => {
		const { url } = await startServer();
		const room = connect(url).live(notes);
		await eventually(() => expect(room.status).toBe('joined'));
		const sent = await room.stats();
		// Compared with what WireValue<…> promises, field by field, at run time.
		expect(sent).toStrictEqual({
			at: '2026-01-02T00:00:00.000Z',
			tags: {},
			byUser: {},
			list: ['2026-01-03T00:00:00.000Z', null],
			pair: ['2026-01-04T00:00:00.000Z', 7]
		});
		expect('note' in sent).toBe(false);
		expect(await room.nothing()).toBeNull();
		// An input that may be undefined: no argument, or the input.
		expect(await room.maybe()).toBe(-1);
		expect(await room.maybe({ n: 4 })).toBe(8);
		// A schema that takes neither null nor undefined still refuses a call with nothing.
		expect((await rejection(room.label(undefined as never))).status).toBe(400);
	});

	it('passes an expected error through as it is', async () => {
		const { room } = await joinedChat();
		const error = await rejection(room.forbidden());
		expect(error.body).toEqual({ status: 403, message: 'Moderators only' });
	});

	it('turns an unexpected throw into 500 with an id that is logged with the stack, and the socket lives on', async () => {
		const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
		const { room } = await joinedChat();
		const error = await rejection(room.boom());
		expect(error.body).toEqual({ status: 500, message: 'Internal Error', id: expect.stringMatching(/^[0-9a-f-]{36}$/) });
		expect(JSON.stringify(error.body)).not.toContain('hunter2');
		const line = logged.mock.calls.find((args) => String(args[0]).includes(error.id!));
		expect(line?.[0]).toContain('call rooms/[roomId]/chat#boom');
		expect((line?.[1] as Error).stack).toContain('chat.socket.ts');
		logged.mockRestore();

		expect(room.status).toBe('joined');
		expect(await room.whoami({})).toMatchObject({ userId: 'u-alice' });
	});

	it('lets handleError shape the body of an unexpected error but keeps status and id', async () => {
		vi.spyOn(console, 'error').mockImplementation(() => {});
		const { url } = await startServer({ handleError: ({ id, event }) => ({ message: `Sorry (${id.slice(0, 8)}) in ${event?.room}` }) });
		const room = connect(url, 'session=s-alice').live(chat, { roomId: '1' });
		await eventually(() => expect(room.status).toBe('joined'));
		const error = await rejection(room.boom());
		expect(error.status).toBe(500);
		expect(error.message).toBe(`Sorry (${error.id!.slice(0, 8)}) in rooms/1/chat`);
		vi.restoreAllMocks();
	});

	it('keeps the socket event across awaits for getSocketEvent()', async () => {
		const { room } = await joinedChat();
		expect(await room.where()).toEqual({ room: 'rooms/1/chat', route: 'rooms/[roomId]/chat' });
	});

	it('answers unknown rooms and unknown calls with 404', async () => {
		const { url } = await startServer();
		const socket = io(url, { path: '/_liverpc', transports: ['websocket'], forceNew: true, extraHeaders: { cookie: 'session=s-alice' } });
		// Every argument of the acknowledgement, as a raw client sees it.
		const ask = (event: string, ...args: unknown[]) =>
			new Promise<any[]>((resolve) => socket.emit(event, ...args, (...reply: unknown[]) => resolve(reply)));
		try {
			expect(await ask('j', 'rooms/[nope]/x', {})).toEqual([{ status: 404, message: 'No such room' }]);
			// Not joined yet: ref 1 names no membership on this connection.
			expect((await ask('c', 1, 'send', { text: 'x' }))[0]).toMatchObject({ status: 404 });
			const [joinError, joined] = await ask('j', 'rooms/[roomId]/chat', { roomId: '1' });
			expect(joinError).toBeNull();
			expect(joined).toMatchObject({ room: 'rooms/[roomId]/chat#rooms/1/chat', ref: 1 });
			for (const name of ['nope', '__proto__', 'constructor', 'toString', 42, null]) {
				const [error] = await ask('c', joined.ref, name, {});
				expect(error).toMatchObject({ status: 404 });
			}
			for (const ref of [2, '1', joined.room, null, { valueOf: 1 }]) {
				const [error] = await ask('c', ref, 'whoami', {});
				expect(error).toMatchObject({ status: 404 });
			}
			const [again, rejoined] = await ask('j', 'rooms/[roomId]/chat', { roomId: '1' });
			expect(again).toBeNull();
			expect(rejoined.ref).toBe(1); // the same room joined again keeps its ref
			const [, lobby] = await ask('j', '(public)/lobby', {});
			expect(lobby.ref).toBe(2);
		} finally {
			socket.close();
		}
	});
});
