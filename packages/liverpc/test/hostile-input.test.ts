import { io, type Socket } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import { chat, connect, eventually, startServer } from './harness.js';
import { rooms } from './fixtures/store.js';

const CHAT = 'rooms/[roomId]/chat';
let raw: Socket | undefined;
afterEach(() => raw?.close());

/** A bare Socket.IO client speaking the wire protocol by hand, as an attacker would. */
async function rawClient(url: string, cookie: string) {
	raw = io(url, { path: '/_liverpc', transports: ['websocket'], forceNew: true, reconnection: false, extraHeaders: { cookie } });
	await new Promise<void>((resolve) => raw!.on('connect', () => resolve()));
	const socket = raw;
	return (event: string, ...args: unknown[]) =>
		new Promise<any[]>((resolve) => socket.emit(event, ...args, (...reply: unknown[]) => resolve(reply)));
}

describe('hostile input', () => {
	it('answers malformed joins with a clear 4xx and keeps serving the connection', async () => {
		const { url } = await startServer();
		const ask = await rawClient(url, 'session=s-alice');
		for (const params of ['1', 42, null, [1], { roomId: 1 }, { roomId: { $ne: '' } }, JSON.parse('{"roomId":"1","__proto__":{"x":1}}')]) {
			const [error] = await ask('j', CHAT, params);
			expect(error?.status, JSON.stringify(params)).toBe(400);
		}
		for (const route of [42, null, { id: CHAT }, '__proto__', 'constructor']) {
			const [error] = await ask('j', route, { roomId: '1' });
			expect(error?.status).toBe(404);
		}
		const [ok, joined] = await ask('j', CHAT, { roomId: '1' });
		expect(ok).toBeNull();
		expect(joined).toMatchObject({ room: `${CHAT}#rooms/1/chat`, ref: 1 });
	});

	it('does not let a __proto__ or constructor key in a payload reach anything', async () => {
		const { url } = await startServer();
		const ask = await rawClient(url, 'session=s-alice');
		const [, joined] = await ask('j', CHAT, { roomId: '1' });
		const payload = JSON.parse('{"text":"hi","__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}');
		const [error, saved] = await ask('c', joined.ref, 'send', payload);
		expect(error).toBeNull();
		expect(saved.text).toBe('hi');
		expect(({} as Record<string, unknown>).polluted).toBeUndefined();
		expect(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted')).toBe(false);
	});

	it('answers binary, deep nesting and non-object input with 400', async () => {
		const { url } = await startServer();
		const ask = await rawClient(url, 'session=s-alice');
		const [, joined] = await ask('j', CHAT, { roomId: '1' });
		let deep: unknown = 'x';
		for (let i = 0; i < 500; i++) deep = { text: deep };
		for (const input of [Buffer.from('text'), { text: Buffer.from('hi') }, deep, 'text', 7, null, [{ text: 'hi' }]]) {
			const [error] = await ask('c', joined.ref, 'send', input);
			expect(error?.status).toBe(400);
		}
		const [stillOk] = await ask('c', joined.ref, 'whoami', {});
		expect(stillOk).toBeNull();
	});

	it('ignores events without an acknowledgement and unknown event names', async () => {
		const { url } = await startServer();
		const ask = await rawClient(url, 'session=s-alice');
		raw!.emit('j', CHAT, { roomId: '1' });
		raw!.emit('c', 'x', 'y', {});
		raw!.emit('zzz', 1, 2, 3);
		raw!.emit('l', { not: 'a string' });
		const [error] = await ask('j', CHAT, { roomId: '1' });
		expect(error).toBeNull();
		expect(raw!.connected).toBe(true);
	});

	it('never lets a payload pick the room a call runs in', async () => {
		rooms.set('secret', { tenantId: 'globex' });
		const { url } = await startServer();
		const room = connect(url, 'session=s-alice').live(chat, { roomId: '1' });
		await eventually(() => expect(room.status).toBe('joined'));
		expect(await room.whoami({ roomId: 'secret', params: { roomId: 'secret' } })).toMatchObject({ roomId: '1' });
		rooms.delete('secret');
	});
});
