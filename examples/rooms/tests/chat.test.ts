import { describe, expect, it } from 'vitest';
import { useApp, type AppMode } from './support/app.js';
import { messageTexts, openRoom, sendMessage, signIn } from './support/browser.js';

// Must-show 2 of #3: two users of one tenant, in two browser contexts, chat live both ways,
// against the production build, `vite dev` and `vite preview` (#11).
describe.each<AppMode>(['build', 'dev', 'preview'])('live chat between two users of one tenant (%s)', (mode) => {
	const fixture = useApp(mode);

	it('delivers each message to the other tab without a reload', async () => {
		const alice = await signIn(await fixture.browser.newContext(), fixture.app.url, 'alice');
		const bob = await signIn(await fixture.browser.newContext(), fixture.app.url, 'bob');
		await openRoom(alice, fixture.app.url, 'acme-general');
		await openRoom(bob, fixture.app.url, 'acme-general');
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
