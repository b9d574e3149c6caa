import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { freshDatabase, startApp, type RunningApp } from './support/app.js';
import { launchBrowser, messageTexts, openRoom, sendMessage, signIn } from './support/browser.js';

// Must-show 7 of #3: the custom-server shape (server.js: build/handler.js in
// http.createServer, with attach() from liverpc/node) serves the same app.
describe('the custom server (node server.js)', () => {
	const database = freshDatabase();
	let app: RunningApp;
	let browser: Browser;

	beforeAll(async () => {
		[app, browser] = await Promise.all([startApp('custom', database), launchBrowser()]);
	});
	afterAll(async () => {
		await browser?.close();
		await app?.stop();
		database.remove();
	});

	it('serves pages, and a chat message makes the round trip', async () => {
		const alice = await signIn(await browser.newContext(), app.url, 'alice');
		const bob = await signIn(await browser.newContext(), app.url, 'bob');
		await openRoom(alice, app.url, 'acme-ops');
		await openRoom(bob, app.url, 'acme-ops');

		await sendMessage(alice, 'through the custom server');
		await bob.getByTestId('message').filter({ hasText: 'through the custom server' }).waitFor();
		expect(await messageTexts(bob)).toEqual(['Alice: through the custom server']);
		expect(app.output()).toContain('custom server');
	});

	it('stops cleanly on SIGTERM', async () => {
		expect(await app.stop('SIGTERM')).toBe(0);
	});
});
