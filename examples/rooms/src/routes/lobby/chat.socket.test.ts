import { afterAll, describe, expect, it } from 'vitest';
import { createTestServer } from 'liverpc/testing';
import * as lobby from './chat.socket';

// The public lobby: anyone may join and read; only a signed-in user may post.
const server = createTestServer({ contracts: [lobby] });
afterAll(() => server.close());

describe('lobby/chat', () => {
	it('lets anyone in, refuses a post without a user, and pushes a signed-in post to everyone', async () => {
		const guest = await server.connect({ locals: {} }).join(lobby);
		await expect(guest.send({ text: 'hi' })).rejects.toMatchObject({ status: 401, message: 'Sign in to post in the lobby' });
		const alice = await server.connect({ locals: { user: { id: 'alice', name: 'Alice', tenantId: 'acme' } } }).join(lobby);
		const saved = await alice.send({ text: 'hello, lobby' });
		expect(await guest.next('message')).toEqual(saved);
		expect(await alice.next('message')).toEqual(saved);
	});
});
