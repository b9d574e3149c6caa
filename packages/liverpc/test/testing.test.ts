import { afterEach, describe, expect, it } from 'vitest';
import { LiveError } from 'liverpc/client';
import { createTestServer, type TestServer } from 'liverpc/testing';
import * as chat from './fixtures/routes/rooms/[roomId]/chat.socket.js';
import * as hooks from './fixtures/hooks.socket.js';

// #11, part 4: `liverpc/testing` runs contracts in the test's process on a real LiveRPC
// server over in-memory connections, with chosen locals or through the real socket hook.
const alice = { id: 'u-alice', name: 'Alice', tenantId: 'acme' };
const servers: TestServer[] = [];
afterEach(async () => {
	for (const server of servers.splice(0)) await server.close();
});
function serve(withHooks = false): TestServer {
	const server = createTestServer({ contracts: { 'rooms/[roomId]/chat': chat }, ...(withHooks ? { hooks } : {}) });
	servers.push(server);
	return server;
}

describe('liverpc/testing', () => {
	it('joins, calls and receives events with chosen locals, and listens on no port', async () => {
		const server = serve();
		const room = await server.connect({ locals: { user: alice } }).join(chat, { roomId: '1' });
		expect(room.joined?.as).toBe('u-alice');
		const saved = await room.send({ text: '  typed  ' });
		expect(saved).toMatchObject({ roomId: '1', userId: 'u-alice', text: 'typed' });
		// The event arrived before the reply; next() still gives it.
		expect(await room.next('message')).toEqual(saved);
		expect(room.received('message')).toEqual([saved]);
		expect(server.server.io.httpServer.listening).toBe(false);
	});

	it('goes through the real socket hook with the cookies a test connects with', async () => {
		const server = serve(true);
		const withSession = await server.connect({ cookies: { session: 's-alice' } }).join(chat, { roomId: '1' });
		expect(await withSession.whoami({})).toEqual({ userId: 'u-alice', tenantId: 'acme', roomId: '1' });
		const suspended = server.connect({ cookies: { session: 's-alice', banned: '1' } });
		const refused = await suspended.join(chat, { roomId: '1' }).catch((error: unknown) => error);
		expect(refused).toBeInstanceOf(LiveError);
		expect(refused).toMatchObject({ status: 401, message: 'This account is suspended' });
		expect(suspended.status).toBe('rejected');
	});

	it("rejects a refused join and a call's expected errors with the status and message the page would get", async () => {
		const server = serve();
		const eve = server.connect({ locals: { user: { id: 'u-eve', name: 'Eve', tenantId: 'globex' } } });
		await expect(eve.join(chat, { roomId: '1' })).rejects.toMatchObject({ status: 403, message: 'This room belongs to another tenant' });
		const room = await eve.join(chat, { roomId: '2' });
		await expect(room.forbidden()).rejects.toMatchObject({ status: 403, message: 'Moderators only' });
		await expect(room.send({ text: '' })).rejects.toMatchObject({ status: 400 });
		const unexpected = await room.boom().catch((error: LiveError) => error);
		expect(unexpected).toMatchObject({ status: 500, message: 'Internal Error' });
		expect(unexpected.id).toEqual(expect.any(String));
	});

	it('delivers message.to(params).emit() from the code under test to the members of that room only', async () => {
		const server = serve();
		const client = server.connect({ locals: { user: alice } });
		const one = await client.join(chat, { roomId: '1' });
		const lone = await server.connect({ locals: { user: { id: 'u-eve', name: 'Eve', tenantId: 'globex' } } }).join(chat, { roomId: '2' });
		chat.notice.to({ roomId: '1' }).emit({ text: 'from a form action' });
		expect(await one.next('notice')).toEqual({ text: 'from a form action' });
		await expect(lone.next('notice', { timeout: 200 })).rejects.toThrow(/No 'notice' event within 200 ms/);
	});

	it('says how to give a contract module its route id when it has none', () => {
		expect(() => createTestServer({ contracts: [{ enter: { '~liverpc': { kind: 'join' } } }] })).toThrow(/Vite config .*liverpc\(\)/);
	});
});
