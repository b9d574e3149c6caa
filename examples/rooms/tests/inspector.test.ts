import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { freshDatabase, startApp, useApp } from './support/app.js';
import { openRoom, sendMessage, signIn } from './support/browser.js';

// #22: the dev inspector at /_liverpc/inspector under `vite dev`: one tab signs in, joins a
// room and sends; a second page shows the connection, the room, its member and the send with
// its status and duration, and the next send appears without a reload. `node build` answers
// 404 there. The screenshot goes to the test's temp dir, and to INSPECTOR_SCREENSHOT's path
// (e.g. /work/notes/inspector.png) when that is set.
describe('the dev inspector', () => {
	const fixture = useApp('dev');

	it('lists the connection, the room, its member and the calls, live', async () => {
		const base = fixture.app.url;
		const context = await fixture.browser.newContext();
		try {
			const tab = await signIn(context, base, 'alice');
			await openRoom(tab, base, 'acme-general');
			await sendMessage(tab, 'first through the inspector');
			await tab.getByTestId('message').filter({ hasText: 'first through the inspector' }).waitFor();

			const inspector = await context.newPage();
			await inspector.goto(`${base}/_liverpc/inspector`);
			await inspector.locator('#status', { hasText: 'live' }).waitFor({ timeout: 10_000 });
			await inspector.getByTestId('connection').first().waitFor();
			const room = inspector.locator('[data-testid="room"][data-room="rooms/acme-general/chat"]');
			await room.waitFor();
			await room.getByTestId('member').first().waitFor();
			await room.getByTestId('presence').filter({ hasText: 'Alice' }).waitFor();
			// locals: keys and types, not Alice's values.
			const locals = await inspector.getByTestId('locals').allInnerTexts();
			expect(locals.join('\n')).toContain('"user"');
			expect(locals.join('\n')).not.toContain('Alice');

			const sends = inspector.locator('[data-testid="activity"][data-kind="call"][data-name="send"]');
			await sends.first().waitFor();
			expect(await sends.first().getAttribute('data-status')).toBe('200');
			expect(await sends.first().getByTestId('duration').innerText()).toMatch(/^\d+\.\d ms$/);
			expect(await inspector.locator('[data-testid="activity"][data-kind="join"][data-status="200"]').count()).toBeGreaterThan(0);

			// Live: the next send shows up on the same page, not reloaded.
			const before = await sends.count();
			await inspector.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));
			await sendMessage(tab, 'second through the inspector');
			await expect.poll(() => sends.count(), { timeout: 10_000 }).toBeGreaterThan(before);
			expect(await inspector.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);

			const shots = [path.join(mkdtempSync(path.join(tmpdir(), 'rooms-inspector-')), 'inspector.png')];
			if (process.env.INSPECTOR_SCREENSHOT) shots.push(process.env.INSPECTOR_SCREENSHOT);
			for (const file of shots) {
				mkdirSync(path.dirname(file), { recursive: true });
				await inspector.screenshot({ path: file, fullPage: true });
			}
		} finally {
			await context.close();
		}
	});
});

describe('the inspector under node build', () => {
	it('answers 404', async () => {
		const database = freshDatabase();
		const app = await startApp('build', database);
		try {
			for (const path of ['/_liverpc/inspector', '/_liverpc/inspector/feed', '/_liverpc/inspector/state']) {
				const response = await fetch(app.url + path);
				expect(response.status, path).toBe(404);
				expect(await response.text()).toBe('Not found\n');
			}
		} finally {
			await app.stop();
			database.remove();
		}
	});
});
