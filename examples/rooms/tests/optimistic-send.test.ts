import type { Page, WebSocketRoute } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { useApp } from './support/app.js';
import { messageTexts, openRoom, sendMessage, signIn } from './support/browser.js';

// #21: a message sent with JavaScript is listed at once, before the server answers; its event
// takes its place without a second copy and without the list ever dropping it for a moment;
// a message the server refuses goes again, with the error shown and its text kept.

/**
 * Routes the page's WebSocket through the test, which may hold back everything the server
 * sends (answers and events alike) until it lets it go: a server that is slow to answer.
 */
async function holdableSocket(page: Page) {
	let holding = false;
	const held: Array<() => void> = [];
	await page.routeWebSocket(/.*/, (ws: WebSocketRoute) => {
		const server = ws.connectToServer();
		ws.onMessage((message) => server.send(message));
		server.onMessage((message) => {
			if (holding) held.push(() => ws.send(message));
			else ws.send(message);
		});
	});
	return {
		hold: () => (holding = true),
		/** How many frames from the server wait. */
		held: () => held.length,
		release() {
			holding = false;
			for (const send of held.splice(0)) send();
		}
	};
}

/**
 * Records, in the page, the number of messages listed after every change of the list, and
 * keeps the element of the first message with `text`, to see later whether it is the same.
 */
async function watchMessages(page: Page, text: string) {
	await page.evaluate((text) => {
		const list = document.querySelector('[data-testid=messages]')!;
		const watched = window as unknown as { counts: number[]; sentElement?: Element };
		watched.counts = [list.querySelectorAll('[data-testid=message]').length];
		new MutationObserver(() => {
			const items = list.querySelectorAll('[data-testid=message]');
			watched.counts.push(items.length);
			watched.sentElement ??= [...items].find((item) => item.textContent?.includes(text));
		}).observe(list, { childList: true, subtree: true, characterData: true, attributes: true });
	}, text);
	return {
		counts: () => page.evaluate(() => (window as unknown as { counts: number[] }).counts),
		/** Whether the element first shown for the message is still in the page, showing it. */
		sameElement: () =>
			page.evaluate((text) => {
				const element = (window as unknown as { sentElement?: Element }).sentElement;
				return element !== undefined && element.isConnected && element.textContent!.includes(text);
			}, text)
	};
}

describe('sending a message optimistically', () => {
	const fixture = useApp('build');

	it('lists the message before the server answers, then once, in the same element', async () => {
		const context = await fixture.browser.newContext();
		const alice = await signIn(context, fixture.app.url, 'alice');
		const socket = await holdableSocket(alice);
		await openRoom(alice, fixture.app.url, 'acme-general');
		const before = (await messageTexts(alice)).length;
		const watch = await watchMessages(alice, 'sent at once');

		socket.hold();
		await sendMessage(alice, 'sent at once');
		const sent = alice.getByTestId('message').filter({ hasText: 'sent at once' });
		await sent.waitFor();
		// Listed and greyed while the server's answer and event are held back.
		expect(await sent.getAttribute('data-unanswered')).toBe('true');
		expect(await messageTexts(alice)).toHaveLength(before + 1);
		await expect.poll(() => socket.held()).toBeGreaterThan(0);

		socket.release();
		await expect.poll(() => sent.getAttribute('data-unanswered')).toBeNull();
		await expect.poll(() => alice.getByTestId('message-input').inputValue()).toBe('');
		// Another message after it proves the event of the first has come and gone.
		await sendMessage(alice, 'and the next');
		await alice.getByTestId('message').filter({ hasText: 'and the next' }).and(alice.locator(':not([data-unanswered])')).waitFor();
		const texts = await messageTexts(alice);
		expect(texts.filter((text) => text === 'Alice: sent at once')).toHaveLength(1);
		expect(texts.slice(-2)).toEqual(['Alice: sent at once', 'Alice: and the next']);

		// No flicker: once listed, the first message never left the list nor had a twin, and
		// its element is the one its event updated.
		const counts = await watch.counts();
		const firstListed = counts.indexOf(before + 1);
		expect(counts.slice(0, firstListed).every((count) => count === before)).toBe(true);
		const whileFirst = counts.slice(firstListed, counts.indexOf(before + 2) === -1 ? undefined : counts.indexOf(before + 2));
		expect(whileFirst.every((count) => count === before + 1)).toBe(true);
		expect(counts.every((count) => count >= before && count <= before + 2)).toBe(true);
		expect(counts.slice(counts.indexOf(before + 2)).every((count) => count === before + 2)).toBe(true);
		expect(await watch.sameElement()).toBe(true);
		// The page was never reloaded: the list holds what a reload shows too.
		await alice.reload();
		await alice.getByTestId('room-status').filter({ hasText: 'joined' }).waitFor();
		expect((await messageTexts(alice)).slice(-2)).toEqual(['Alice: sent at once', 'Alice: and the next']);
		await context.close();
	});

	it('takes a refused message out again, shows why, and keeps its text', async () => {
		const context = await fixture.browser.newContext();
		const alice = await signIn(context, fixture.app.url, 'alice');
		const socket = await holdableSocket(alice);
		await openRoom(alice, fixture.app.url, 'acme-general');
		const before = await messageTexts(alice);
		const tooLong = 'x'.repeat(2001);

		socket.hold();
		await sendMessage(alice, tooLong);
		const refused = alice.getByTestId('message').filter({ hasText: tooLong });
		await refused.waitFor();
		expect(await refused.getAttribute('data-unanswered')).toBe('true');

		socket.release();
		await alice.getByTestId('send-error').filter({ hasText: '400' }).waitFor();
		await refused.waitFor({ state: 'detached' });
		expect(await messageTexts(alice)).toEqual(before);
		expect(await alice.getByTestId('message-input').inputValue()).toBe(tooLong);
		await context.close();
	});
});
