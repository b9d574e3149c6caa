import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { useApp, type AppMode } from './support/app.js';
import { messageTexts, openRoom, sendMessage, signIn } from './support/browser.js';

// #11, part 5: the room page has no {#key} around it. A link to another room keeps the page
// component, and `$derived(live(chat, { roomId: params.roomId }))` leaves the old room and
// joins the new one; the chat list starts again with the new room's messages.

/** Follows a link inside the app, as a person would (SvelteKit routes it without a reload). */
async function followLink(page: Page, href: string): Promise<void> {
	await page.evaluate((target) => {
		document.querySelector('[data-testid="room-link"]')?.remove();
		const link = document.createElement('a');
		link.href = target;
		link.textContent = target;
		link.dataset.testid = 'room-link';
		document.body.append(link);
	}, href);
	await page.getByTestId('room-link').click();
}

async function roomHeading(page: Page, name: string): Promise<void> {
	await page.getByRole('heading', { level: 1, name }).waitFor({ timeout: 30_000 });
	await page.getByTestId('room-status').filter({ hasText: 'joined' }).waitFor({ timeout: 30_000 });
}

describe.each<AppMode>(['build', 'dev'])('going from one room to another without a reload (%s)', (mode) => {
	const fixture = useApp(mode);

	it('leaves the first room, joins the second, and shows only its messages', async () => {
		const alice = await signIn(await fixture.browser.newContext(), fixture.app.url, 'alice');
		const bob = await signIn(await fixture.browser.newContext(), fixture.app.url, 'bob');
		await openRoom(alice, fixture.app.url, 'acme-general');
		await openRoom(bob, fixture.app.url, 'acme-ops');
		await alice.evaluate(() => ((window as { stayed?: boolean }).stayed = true));

		await sendMessage(alice, `in general (${mode})`);
		await alice.getByTestId('message').filter({ hasText: `in general (${mode})` }).waitFor();

		await followLink(alice, '/rooms/acme-ops');
		await roomHeading(alice, 'Acme ops');
		expect(await messageTexts(alice)).toEqual([]);

		// Alice is a member of ops now: Bob's message there reaches her, hers reaches Bob.
		await sendMessage(bob, `for ops (${mode})`);
		await alice.getByTestId('message').filter({ hasText: `for ops (${mode})` }).waitFor();
		await sendMessage(alice, `alice in ops (${mode})`);
		await bob.getByTestId('message').filter({ hasText: `alice in ops (${mode})` }).waitFor();
		await alice.getByTestId('message').filter({ hasText: `alice in ops (${mode})` }).waitFor();
		expect(await messageTexts(alice)).toEqual([`Bob: for ops (${mode})`, `Alice: alice in ops (${mode})`]);

		// And back: the general room's history arrives once, with nothing of ops in it.
		await followLink(alice, '/rooms/acme-general');
		await roomHeading(alice, 'Acme general');
		await alice.getByTestId('message').filter({ hasText: `in general (${mode})` }).waitFor();
		expect(await messageTexts(alice)).toEqual([`Alice: in general (${mode})`]);
		expect(await alice.evaluate(() => (window as { stayed?: boolean }).stayed)).toBe(true);
	});
});
