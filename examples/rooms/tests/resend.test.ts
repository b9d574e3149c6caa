import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { createClient } from 'liverpc/client';
import { useApp } from './support/app.js';
import { sessionCookie } from './support/session.js';
import { proxyHeaders } from './support/generation.js';
// The real contract, given its route id by liverpc() under Vitest with the app's Vite config.
import * as room from '../src/routes/rooms/[roomId]/chat.socket';

// #9: a message sent twice under one key — a call whose reply was lost in a restart, a form
// posted again after its response was lost — is stored and announced once.
describe('sending a message again with its key', () => {
	const fixture = useApp('build');
	const stored = (text: string) => {
		const db = new Database(fixture.databasePath, { readonly: true });
		try {
			return db.prepare('SELECT id FROM messages WHERE text = ?').all(text) as Array<{ id: number }>;
		} finally {
			db.close();
		}
	};

	it('stores a call sent twice under one key once, and answers both with that message', async () => {
		const cookie = await sessionCookie(fixture.app.url, 'alice');
		const client = createClient({ url: fixture.app.url, headers: { cookie } });
		try {
			const chat = client.live(room, { roomId: 'acme-ops' });
			const announced: number[] = [];
			chat.on('message', (m) => announced.push(m.id));
			const first = await chat.send({ text: 'keyed call', key: 'call-key-0001' });
			const again = await chat.send({ text: 'keyed call', key: 'call-key-0001' });
			expect(again).toEqual(first);
			expect(stored('keyed call')).toEqual([{ id: first.id }]);
			// Only the first was announced; the later message proves the stream caught up.
			const later = await chat.send({ text: 'after the copy' });
			await expect.poll(() => announced).toEqual([first.id, later.id]);
			// The same key from another user is another message: keys are per user.
			const bob = createClient({ url: fixture.app.url, headers: { cookie: await sessionCookie(fixture.app.url, 'bob') } });
			try {
				const bobs = await bob.live(room, { roomId: 'acme-ops' }).send({ text: 'keyed call', key: 'call-key-0001' });
				expect(bobs.id).not.toBe(first.id);
			} finally {
				bob.close();
			}
		} finally {
			client.close();
		}
	});

	it('stores a form posted twice under one key once', async () => {
		const cookie = await sessionCookie(fixture.app.url, 'alice');
		const post = () =>
			fetch(`${fixture.app.url}/rooms/acme-ops?/send`, {
				method: 'POST',
				headers: { origin: fixture.app.url, cookie, 'content-type': 'application/x-www-form-urlencoded', ...proxyHeaders },
				body: new URLSearchParams({ text: 'keyed form post', key: 'form-key-0001' })
			});
		expect((await post()).status).toBe(200);
		expect((await post()).status).toBe(200);
		expect(stored('keyed form post')).toHaveLength(1);
		// A key that is not one is refused, without repeating it.
		const bad = await fetch(`${fixture.app.url}/rooms/acme-ops?/send`, {
			method: 'POST',
			headers: { origin: fixture.app.url, cookie, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', ...proxyHeaders },
			body: new URLSearchParams({ text: 'bad key', key: '<script>' })
		});
		const body = await bad.text();
		expect(body).toContain('Invalid message key');
		expect(body).not.toContain('<script>');
		expect(stored('bad key')).toHaveLength(0);
	});
});
