import { describe, expect, it } from 'vitest';
import { useApp } from './support/app.js';
import { messageTexts, openRoom, sendMessage, signIn } from './support/browser.js';

// Must-show 7 of #3: the custom-server shape (server.js: build/handler.js in
// http.createServer, with attach() from liverpc/node) serves the same app.
describe('the custom server (node server.js)', () => {
	const fixture = useApp('custom');

	it('serves pages, and a chat message makes the round trip', async () => {
		const alice = await signIn(await fixture.browser.newContext(), fixture.app.url, 'alice');
		const bob = await signIn(await fixture.browser.newContext(), fixture.app.url, 'bob');
		await openRoom(alice, fixture.app.url, 'acme-ops');
		await openRoom(bob, fixture.app.url, 'acme-ops');

		await sendMessage(alice, 'through the custom server');
		await bob.getByTestId('message').filter({ hasText: 'through the custom server' }).waitFor();
		expect(await messageTexts(bob)).toEqual(['Alice: through the custom server']);
		expect(fixture.app.output()).toContain('custom server');
	});

	it('stops cleanly on SIGTERM', async () => {
		expect(await fixture.app.stop('SIGTERM')).toBe(0);
	});
});
