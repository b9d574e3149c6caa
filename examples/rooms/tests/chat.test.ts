import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { freshDatabase, startApp, type AppMode, type RunningApp } from './support/app.js';
import { launchBrowser, messageTexts, openRoom, sendMessage, signIn } from './support/browser.js';

// Must-show 2 of #3: two users of one tenant, in two browser contexts, chat live both ways,
// against the production build and against `vite dev`.
describe.each<AppMode>(['build', 'dev'])('live chat between two users of one tenant (%s)', (mode) => {
	const database = freshDatabase();
	let app: RunningApp;
	let browser: Browser;

	beforeAll(async () => {
		[app, browser] = await Promise.all([startApp(mode, database), launchBrowser()]);
	});
	afterAll(async () => {
		await browser?.close();
		await app?.stop();
		database.remove();
	});

	it('delivers each message to the other tab without a reload', async () => {
		const alice = await signIn(await browser.newContext(), app.url, 'alice');
		const bob = await signIn(await browser.newContext(), app.url, 'bob');
		await openRoom(alice, app.url, 'acme-general');
		await openRoom(bob, app.url, 'acme-general');
		// A reload would clear this; it must still be there at the end.
		await alice.evaluate(() => ((window as { stayed?: boolean }).stayed = true));

		await sendMessage(alice, `hello Bob (${mode})`);
		await bob.getByTestId('message').filter({ hasText: `hello Bob (${mode})` }).waitFor();
		await sendMessage(bob, `hi Alice (${mode})`);
		await alice.getByTestId('message').filter({ hasText: `hi Alice (${mode})` }).waitFor();

		const expected = [`Alice: hello Bob (${mode})`, `Bob: hi Alice (${mode})`];
		expect(await messageTexts(alice)).toEqual(expected);
		expect(await messageTexts(bob)).toEqual(expected);
		expect(await alice.evaluate(() => (window as { stayed?: boolean }).stayed)).toBe(true);
	});
});
