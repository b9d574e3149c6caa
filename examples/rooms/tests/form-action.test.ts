import { describe, expect, it } from 'vitest';
import { useApp, type AppMode } from './support/app.js';
import { messageTexts, openRoom, signIn } from './support/browser.js';

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
