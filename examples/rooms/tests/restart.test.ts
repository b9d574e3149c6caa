import { describe, expect, it } from 'vitest';
import { createClient } from 'liverpc/client';
import { startApp, useApp } from './support/app.js';
import { messageTexts, openRoom, sendMessage, signIn } from './support/browser.js';
import { sessionCookie } from './support/session.js';

// Must-show 4 of #3, the tutorial's checkpoint: a tab stays with its room through a restart
// of `node build`, by itself, and shows what another user sent while it was away.
describe('a deploy restart of node build', () => {
	const fixture = useApp('build');

	it('brings the open tab back to joined, with the message sent while it was away', async () => {
		const alice = await signIn(await fixture.browser.newContext(), fixture.app.url, 'alice');
		await openRoom(alice, fixture.app.url, 'acme-general');
		await sendMessage(alice, 'before the restart');
		await alice.getByTestId('message').filter({ hasText: 'before the restart' }).waitFor();
		await alice.evaluate(() => ((window as { stayed?: boolean }).stayed = true));

		// SIGTERM, as a process manager sends it on deploy: the process must end by itself, cleanly.
		const stoppedAt = Date.now();
		expect(await fixture.app.stop('SIGTERM')).toBe(0);
		expect(Date.now() - stoppedAt).toBeLessThan(10_000);
		await alice.getByTestId('room-status').filter({ hasText: 'reconnecting' }).waitFor();

		// While the tab's server is down, Bob posts through another process on the same data.
		const other = await startApp('build', { databasePath: fixture.databasePath });
		const bob = createClient({ url: other.url, headers: { cookie: await sessionCookie(other.url, 'bob') } });
		try {
			const room = bob.live({ send: { '~liverpc': { kind: 'call', route: 'rooms/[roomId]/chat', name: 'send' } } }, { roomId: 'acme-general' }) as unknown as {
				send(input: { text: string }): Promise<unknown>;
			};
			await room.send({ text: 'sent while you were away' });
		} finally {
			bob.close();
			await other.stop();
		}

		fixture.app = await startApp('build', { port: fixture.app.port, databasePath: fixture.databasePath });
		await alice.getByTestId('room-status').filter({ hasText: 'joined' }).waitFor({ timeout: 30_000 });
		await alice.getByTestId('message').filter({ hasText: 'sent while you were away' }).waitFor();
		expect(await messageTexts(alice)).toEqual(['Alice: before the restart', 'Bob: sent while you were away']);
		expect(await alice.getByTestId('connection-status').innerText()).toBe('connected');
		expect(await alice.evaluate(() => (window as { stayed?: boolean }).stayed)).toBe(true);
	});
});
