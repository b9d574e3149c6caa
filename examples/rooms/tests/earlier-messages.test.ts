import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { useApp, type AppMode, type AppFixture } from './support/app.js';
import { messageTexts, openRoom, sendMessage, signIn } from './support/browser.js';

// Issue #21, "Older history": a room shows its 50 latest messages when joined; "Load earlier
// messages" brings the page before the first one shown, in front, from the `message` event's
// history, until the room's first message. Against `node build` and `vite dev` (where each
// packet waits for edited socket files to load), with a real Chromium.

/** Stores `count` messages by alice in a room as another process would: straight into SQLite. */
function store(fixture: AppFixture, roomId: string, count: number): void {
	const db = new Database(fixture.databasePath, { fileMustExist: true });
	try {
		const insert = db.prepare('INSERT INTO messages (room_id, user_id, text, created_at) VALUES (?, ?, ?, ?)');
		db.transaction(() => {
			for (let n = 1; n <= count; n++) insert.run(roomId, 'alice', `old ${String(n).padStart(3, '0')}`, new Date().toISOString());
		})();
	} finally {
		db.close();
	}
}

const olds = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, index) => `Alice: old ${String(from + index).padStart(3, '0')}`);

describe.each<AppMode>(['build', 'dev'])('Load earlier messages (%s)', (mode) => {
	const fixture = useApp(mode);

	it('loads earlier messages page by page in front of the latest, in order and each once, until the first', async () => {
		const alice = await signIn(await fixture.browser.newContext(), fixture.app.url, 'alice'); // the app has made its database by then
		store(fixture, 'acme-general', 130);
		await openRoom(alice, fixture.app.url, 'acme-general');
		await expect.poll(() => messageTexts(alice)).toEqual(olds(81, 130));

		// A live message while the older ones load goes at the end, where it belongs.
		await sendMessage(alice, 'live one');
		await alice.getByTestId('message').filter({ hasText: 'live one' }).waitFor();
		await alice.getByTestId('load-earlier').click();
		await expect.poll(() => messageTexts(alice)).toEqual([...olds(31, 130), 'Alice: live one']);

		await alice.getByTestId('load-earlier').click();
		await expect.poll(() => messageTexts(alice)).toEqual([...olds(1, 130), 'Alice: live one']);
		// The first message is listed: the store said there are none older, so no button.
		await alice.getByTestId('load-earlier').waitFor({ state: 'detached' });
		const texts = await messageTexts(alice);
		expect(new Set(texts).size).toBe(texts.length);
		expect(await alice.getByTestId('earlier-error').count()).toBe(0);
	});
});
