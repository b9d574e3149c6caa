import { describe, expect, it } from 'vitest';
import { useApp, type AppMode } from './support/app.js';
import { messageTexts, openRoom, signIn } from './support/browser.js';
import { sessionCookie } from './support/session.js';

// Must-show 5 of #3: a message posted by a plain HTML form (no JavaScript in that browser
// context) appears live in another tab. The form action calls `message.to(params).emit()`,
// which reaches the sockets only if SvelteKit's server code and the socket server share
// one module graph — in `vite dev` and in `node build`.
describe.each<AppMode>(['build', 'dev'])('a form action pushes a live message (%s)', (mode) => {
	const fixture = useApp(mode);

	it('shows the posted message in the other tab without a reload', async () => {
		const alice = await signIn(await fixture.browser.newContext(), fixture.app.url, 'alice');
		await openRoom(alice, fixture.app.url, 'acme-general');

		const noScript = await fixture.browser.newContext({ javaScriptEnabled: false });
		const bob = await signIn(noScript, fixture.app.url, 'bob');
		await bob.goto(`${fixture.app.url}/rooms/acme-general`);
		// Without JavaScript there is no socket: the page stays as the server rendered it.
		expect(await bob.getByTestId('connection-status').innerText()).toBe('connecting');
		expect(await bob.getByTestId('room-status').innerText()).toBe('joining');
		await bob.getByTestId('message-input').fill(`posted by a form (${mode})`);
		await Promise.all([bob.waitForLoadState('load'), bob.getByTestId('send-button').click()]);
		await bob.getByText('Message sent.').waitFor();

		await alice.getByTestId('message').filter({ hasText: `posted by a form (${mode})` }).waitFor();
		expect(await messageTexts(alice)).toEqual([`Bob: posted by a form (${mode})`]);
	});
});

// Tutorial 03: the same live event, emitted from a `+server.ts` endpoint that a script posts
// JSON to with a session cookie (src/routes/rooms/[roomId]/messages/+server.ts).
describe('a +server.ts endpoint pushes a live message (build)', () => {
	const fixture = useApp('build');

	it('shows the posted message in an open tab, and refuses what the socket would refuse', async () => {
		const { app, browser } = fixture;
		const alice = await signIn(await browser.newContext(), app.url, 'alice');
		await openRoom(alice, app.url, 'acme-general');
		const post = async (user: 'bob' | 'carol', roomId: string, body: string) =>
			fetch(`${app.url}/rooms/${roomId}/messages`, {
				method: 'POST',
				headers: { cookie: await sessionCookie(app.url, user), 'content-type': 'application/json' },
				body
			});

		const posted = await post('bob', 'acme-general', JSON.stringify({ text: 'posted by a script', key: 'script-key-0001' }));
		expect(posted.status).toBe(201);
		expect(await posted.json()).toMatchObject({ text: 'posted by a script', userName: 'Bob' });
		await alice.getByTestId('message').filter({ hasText: 'posted by a script' }).waitFor();
		// The same key again is the same message: 200, and no second event.
		expect((await post('bob', 'acme-general', JSON.stringify({ text: 'posted by a script', key: 'script-key-0001' }))).status).toBe(200);

		expect((await post('carol', 'acme-general', JSON.stringify({ text: 'from globex' }))).status).toBe(403);
		expect((await post('bob', 'acme-general', '{"text": 42}')).status).toBe(400);
		expect((await post('bob', 'acme-general', 'not json')).status).toBe(400);
		const anonymous = await fetch(`${app.url}/rooms/acme-general/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
		expect(anonymous.status).toBe(401);

		expect(await messageTexts(alice)).toEqual(['Bob: posted by a script']);
	});
});
