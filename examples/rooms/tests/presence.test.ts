import { describe, expect, it } from 'vitest';
import { useApp } from './support/app.js';
import { openRoom, signIn } from './support/browser.js';

// #12, presence on one process: the room page's "here now" line, on real tabs of node build.
describe('who is here (build)', () => {
	const fixture = useApp('build');

	it('shows every member on every tab, one entry per user with its tab count, as tabs come and go', async () => {
		const aliceContext = await fixture.browser.newContext();
		const alice = await signIn(aliceContext, fixture.app.url, 'alice');
		const bob = await signIn(await fixture.browser.newContext(), fixture.app.url, 'bob');
		await openRoom(alice, fixture.app.url, 'acme-general');
		await openRoom(bob, fixture.app.url, 'acme-general');
		const here = (page: typeof alice) => page.getByTestId('presence');
		await here(alice).filter({ hasText: /^Alice, Bob$/ }).waitFor();
		await here(bob).filter({ hasText: /^Alice, Bob$/ }).waitFor();

		// A second tab of Alice's (same session cookie): still one Alice.
		const aliceAgain = await aliceContext.newPage();
		await openRoom(aliceAgain, fixture.app.url, 'acme-general');
		await here(bob).filter({ hasText: /^Alice \(2 tabs\), Bob$/ }).waitFor();
		expect(await here(aliceAgain).innerText()).toBe('Alice (2 tabs), Bob');

		await aliceAgain.close();
		await here(bob).filter({ hasText: /^Alice, Bob$/ }).waitFor();
		await alice.close();
		await here(bob).filter({ hasText: /^Bob$/ }).waitFor();
	});
});
