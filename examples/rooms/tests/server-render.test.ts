import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { startApp, useApp } from './support/app.js';
import { messageTexts, signIn, type SeedUser } from './support/browser.js';
import { compareLists, formAttempt, sleep, storedMessages, summarise, waitFor, Writer, type Written } from './support/chaos.js';
import { sessionCookie } from './support/session.js';

// #21, server-rendered rooms: the room page's HTML already holds the join's reply and
// messages (read with loadRoom() in its load, through the socket hook on the request's
// cookies and the same join guard), a refused join renders its refusal, the page works
// without JavaScript, and each tab continues live from exactly what its HTML showed.

const PASSWORD_USERS: SeedUser[] = ['alice', 'bob'];

async function post(baseUrl: string, cookie: string, roomId: string, text: string): Promise<void> {
	// Only its text and key are read: the rest of a Written is the chaos writer's bookkeeping.
	await formAttempt(baseUrl, roomId, cookie)({ text, key: crypto.randomUUID() } as Written);
}

/** The page's HTML as the server sends it, before any script. */
async function html(baseUrl: string, path: string, cookie?: string): Promise<string> {
	const response = await fetch(baseUrl + path, { headers: cookie ? { cookie } : {} });
	return response.text();
}

describe('server-rendered rooms (build)', () => {
	const fixture = useApp('build');

	it("puts the room's name and latest messages in the HTML, and renders refusals with their status", async () => {
		const url = fixture.app.url;
		const alice = await sessionCookie(url, 'alice');
		await post(url, alice, 'acme-general', 'rendered on the server 1');
		await post(url, alice, 'acme-general', 'rendered on the server 2');

		const page = await html(url, '/rooms/acme-general', alice);
		expect(page).toContain('Acme general</h1>');
		expect(page).toMatch(/data-testid="message"[^>]*><strong>Alice:<\/strong> rendered on the server 1/);
		expect(page.indexOf('rendered on the server 1')).toBeLessThan(page.indexOf('rendered on the server 2'));

		// Another tenant's user and a signed-out visitor get the guard's refusal, and no message.
		const carol = await html(url, '/rooms/acme-general', await sessionCookie(url, 'carol'));
		expect(carol).toMatch(/data-testid="room-error"[^>]*>403 This room belongs to another tenant/);
		expect(carol).not.toContain('rendered on the server');
		const nobody = await html(url, '/rooms/acme-general');
		expect(nobody).toMatch(/data-testid="room-error"[^>]*>401 Sign in to chat/);
		expect(nobody).not.toContain('rendered on the server');
	});

	it('shows the room and sends a message without JavaScript', async () => {
		const context = await fixture.browser.newContext({ javaScriptEnabled: false });
		const page = await signIn(context, fixture.app.url, 'bob');
		await page.goto(`${fixture.app.url}/rooms/acme-general`);
		expect(await messageTexts(page)).toEqual(expect.arrayContaining(['Alice: rendered on the server 1', 'Alice: rendered on the server 2']));
		await page.getByTestId('message-input').fill('posted with scripts off');
		await Promise.all([page.waitForLoadState('load'), page.getByTestId('send-button').click()]);
		await page.goto(`${fixture.app.url}/rooms/acme-general`);
		expect((await messageTexts(page)).at(-1)).toBe('Bob: posted with scripts off');
		await context.close();
	});

	it("paints the messages first, then goes live from the HTML's position", async () => {
		const context = await fixture.browser.newContext();
		const page = await signIn(context, fixture.app.url, 'alice');
		// Counted in the page from its first byte: the list never empties or doubles while the
		// script hydrates it and the socket joins.
		await page.addInitScript(() => {
			const counts: number[] = [];
			(window as { messageCounts?: number[] }).messageCounts = counts;
			new MutationObserver(() => {
				const count = document.querySelectorAll('[data-testid="message"]').length;
				if (counts.at(-1) !== count) counts.push(count);
			}).observe(document, { childList: true, subtree: true });
		});
		await page.goto(`${fixture.app.url}/rooms/acme-general`);
		await page.getByTestId('room-status').filter({ hasText: 'joined' }).waitFor();
		const counts = await page.evaluate(() => (window as { messageCounts?: number[] }).messageCounts ?? []);
		const rendered = storedMessages(fixture.databasePath, 'acme-general').length;
		expect(counts.at(-1)).toBe(rendered);
		// Only ever growing to the same count: the HTML's messages, kept by hydration.
		expect(counts.every((count) => count <= rendered)).toBe(true);
		expect(Math.min(...counts)).toBeGreaterThan(0);
		await context.close();
	});
});

// The hand-off under load: messages are written all the time (socket calls by a tab, form
// posts) while new tabs open the room and the server restarts (SIGTERM and kill -9); each
// tab, from the first message its HTML showed, must end with the database's list exactly.
describe('chaos across the server render → live hand-off', () => {
	const fixture = useApp('build');
	const ROOM = 'acme-ops';
	const WRITING_MS = process.env.LIVERPC_CHAOS_LONG === '1' ? 120_000 : 24_000;
	const TABS = process.env.LIVERPC_CHAOS_LONG === '1' ? 24 : 10;

	it('loses, doubles and reorders nothing in any tab', { timeout: 240_000 }, async () => {
		const url = fixture.app.url;
		const cookies = Object.fromEntries(await Promise.all(PASSWORD_USERS.map(async (user) => [user, await sessionCookie(url, user)])));
		const writers = PASSWORD_USERS.map((user) => new Writer(`form-${user}`, 6, formAttempt(url, ROOM, cookies[user]!)));
		for (const writer of writers) writer.start();

		const tabs: Page[] = [];
		const restarts = [Math.floor(TABS / 3), Math.floor((2 * TABS) / 3)];
		const startedAt = Date.now();
		for (let index = 0; index < TABS; index++) {
			if (restarts.includes(index)) {
				await fixture.app.stop(index === restarts[0] ? 'SIGTERM' : 'SIGKILL');
				fixture.app = await startApp('build', { port: fixture.app.port, databasePath: fixture.databasePath });
			}
			const user = PASSWORD_USERS[index % PASSWORD_USERS.length]!;
			const context = await fixture.browser.newContext();
			await context.addCookies([{ name: 'session', value: cookies[user]!.split('=')[1]!, url }]);
			const page = await context.newPage();
			await page.goto(`${url}/rooms/${ROOM}`);
			tabs.push(page);
			await sleep(startedAt + ((index + 1) * WRITING_MS) / TABS - Date.now());
		}
		await Promise.all(writers.map((writer) => writer.stop(30_000)));

		const stored = storedMessages(fixture.databasePath, ROOM).map((row) => `${row.name}: ${row.text}`);
		expect(stored.length).toBeGreaterThan(50);
		await waitFor(async () => {
			for (const tab of tabs) if ((await messageTexts(tab)).at(-1) !== stored.at(-1)) return false;
			return true;
		}, 30_000, 250);
		const report: string[] = [];
		let problems = 0;
		for (const [index, tab] of tabs.entries()) {
			const texts = await messageTexts(tab);
			// What a tab should hold: the database's list from the first message its HTML showed.
			const from = stored.indexOf(texts[0]!);
			const difference = compareLists(texts, stored.slice(Math.max(0, from)));
			problems += difference.lost.length + difference.duplicated.length + difference.extra.length + difference.outOfOrder.length;
			report.push(`tab ${index}: ${texts.length} messages, ${summarise(difference, 3)}`);
		}
		console.log(`[hand-off chaos] ${stored.length} messages stored, ${tabs.length} tabs, 2 restarts\n${report.join('\n')}`);
		expect(problems, report.join('\n')).toBe(0);
		for (const tab of tabs) await tab.context().close();
	});
});
