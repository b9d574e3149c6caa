import { describe, expect, it } from 'vitest';
import { useApp } from './support/app.js';
import { openRoom, signIn } from './support/browser.js';

// #21, volatile events: the room page's "… is typing" line, on real tabs of node build.
// Typing is a volatile event: not stored, each entry gone by itself a few seconds after
// its last renewal.
describe('who is typing (build)', () => {
	const fixture = useApp('build');

	it('shows the other members while one types, and no more once it sends or its tab closes', async () => {
		const aliceContext = await fixture.browser.newContext();
		const alice = await signIn(aliceContext, fixture.app.url, 'alice');
		const bob = await signIn(await fixture.browser.newContext(), fixture.app.url, 'bob');
		await openRoom(alice, fixture.app.url, 'acme-general');
		await openRoom(bob, fixture.app.url, 'acme-general');
		const typing = (page: typeof alice) => page.getByTestId('typing');

		await alice.getByTestId('message-input').pressSequentially('Hello B', { delay: 20 });
		await typing(bob).filter({ hasText: /^Alice is typing…$/ }).waitFor({ timeout: 5000 });
		// Nobody else types: Alice's own tab shows nothing, herself not included.
		expect(await typing(alice).innerText()).toBe('');

		await alice.getByTestId('message-input').press('Enter');
		await bob.getByTestId('message').filter({ hasText: 'Hello B' }).waitFor();
		await typing(bob).filter({ hasText: /^$/ }).waitFor({ timeout: 2000 });

		// Both type: each sees the other.
		await alice.getByTestId('message-input').pressSequentially('again', { delay: 20 });
		await bob.getByTestId('message-input').pressSequentially('me too', { delay: 20 });
		await typing(bob).filter({ hasText: /^Alice is typing…$/ }).waitFor({ timeout: 5000 });
		await typing(alice).filter({ hasText: /^Bob is typing…$/ }).waitFor({ timeout: 5000 });

		// Alice's tab goes mid-sentence: her entry goes by itself (idle or expired), within seconds.
		await aliceContext.close();
		await typing(bob).filter({ hasText: /^$/ }).waitFor({ timeout: 8000 });
	});
});
