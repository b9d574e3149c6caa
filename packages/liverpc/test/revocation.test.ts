import { describe, expect, it } from 'vitest';
import { handleSocket, revoke } from 'liverpc/server';
import { chat, connect, eventually, startServer } from './harness.js';
import { counters, sessions, users } from './fixtures/store.js';

// Revocation (#8): signing out (or a ban) must reach the connections already open, whose
// locals were made at their handshake.

describe('revoke()', () => {
	it('ends the matching connections: their rooms are left at once, and the hook runs again', async () => {
		sessions.set('s-alice-2', users.alice);
		const { url } = await startServer();
		const alice = connect(url, 'session=s-alice-2');
		const bob = connect(url, 'session=s-bob');
		const aliceRoom = alice.live(chat, { roomId: '1' });
		const bobRoom = bob.live(chat, { roomId: '1' });
		await eventually(() => expect([aliceRoom.status, bobRoom.status]).toEqual(['joined', 'joined']));
		const bobHandshake = bobRoom.joined!.handshake;
		const heard: string[] = [];
		aliceRoom.on('message', (message) => heard.push(message.text));

		sessions.delete('s-alice-2'); // signed out: the cookie is worth nothing now
		const before = counters.handshakes;
		expect(await revoke('user:u-alice')).toBe(1);
		// Out of the room at once: what is sent right after does not reach her.
		await bobRoom.send({ text: 'after the sign-out' });
		await eventually(() => expect(aliceRoom.status).toBe('rejected'));
		expect(aliceRoom.error).toEqual({ status: 401, message: 'Sign in to chat' });
		expect(counters.handshakes - before).toBe(1); // her client reconnected and the hook ran again
		expect(alice.status).toBe('connected');
		expect(heard).not.toContain('after the sign-out');
		// Bob's connection was not touched.
		expect(bobRoom.status).toBe('joined');
		expect(bobRoom.joined!.handshake).toBe(bobHandshake);
	});

	it('lets a connection whose session is still valid come back as itself', async () => {
		const { url } = await startServer();
		const room = connect(url, 'session=s-alice').live(chat, { roomId: '1' });
		await eventually(() => expect(room.status).toBe('joined'));
		const first = room.joined!.handshake!;
		expect(await revoke('user:u-alice')).toBe(1);
		await eventually(() => expect(room.joined?.handshake).toBeGreaterThan(first));
		expect(room.status).toBe('joined');
		expect(room.joined?.as).toBe('u-alice');
	});

	it('refuses a handshake whose hook was still running when revoke() was called', async () => {
		let release!: () => void;
		const held = new Promise<void>((resolve) => (release = resolve));
		let runs = 0;
		sessions.set('s-slow', users.alice);
		// Reads the session, then takes its time, as a hook that awaits a slow store does.
		const handle = handleSocket(async ({ cookies }) => {
			runs++;
			const user = sessions.get(cookies.get('session') ?? '');
			if (runs === 1) await held;
			return { locals: { user }, keys: user ? [`user:${user.id}`] : [] };
		});
		const { url } = await startServer({ handle });
		const client = connect(url, 'session=s-slow');
		const room = client.live(chat, { roomId: '1' });
		await eventually(() => expect(runs).toBe(1));

		sessions.delete('s-slow');
		expect(await revoke('user:u-alice')).toBe(0); // not connected yet
		release();
		// The first handshake is refused and retried; the second hook finds no session.
		await eventually(() => expect(room.status).toBe('rejected'));
		expect(room.error).toEqual({ status: 401, message: 'Sign in to chat' });
		expect(runs).toBe(2);
	});

	it('takes only keys, and a hook only returns keys that are short strings', async () => {
		await expect(revoke((() => true) as never)).rejects.toThrow(/takes a key the socket hook returned/);
		await expect(revoke([])).rejects.toThrow(/takes a key/);
		await expect(revoke('x'.repeat(257))).rejects.toThrow(/takes a key/);
		const handle = handleSocket(() => ({ locals: {}, keys: [42] as never }));
		const { url } = await startServer({ handle });
		const client = connect(url);
		client.live(chat, { roomId: '1' });
		await eventually(() => expect(client.error).toMatchObject({ status: 500, message: 'Internal Error' }));
		expect(client.status).not.toBe('connected');
	});

	it('ends the connections named by options.keys when the hook returns none', async () => {
		const handle = handleSocket(({ cookies }) => ({ locals: { user: sessions.get(cookies.get('session') ?? '') } }));
		const { url } = await startServer({ handle, keys: (locals) => (locals.user ? [`account:${locals.user.id}`] : []) });
		const room = connect(url, 'session=s-bob').live(chat, { roomId: '1' });
		await eventually(() => expect(room.status).toBe('joined'));
		expect(await revoke('user:u-bob')).toBe(0);
		expect(await revoke('account:u-bob')).toBe(1);
	});
});
