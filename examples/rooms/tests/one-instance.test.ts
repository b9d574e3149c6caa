import { readdirSync, readlinkSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { useApp, type AppMode } from './support/app.js';
import { openRoom, sendMessage, signIn } from './support/browser.js';

// #10: pages and sockets must share one module graph, so a `$lib/server` module (`#lib` on
// SvelteKit 3) is one instance for both, in `vite dev` and in `node build`. With two, a
// sign-in stored by the page is unknown to the socket, or state is kept twice. The app's
// `$lib/server/db` opens its SQLite connection once per instance of that module, so the
// process holds the database file open exactly once if, and only if, it is one instance.

/** How many of the process's file descriptors point at `file`. */
function openCount(pid: number, file: string): number {
	const dir = `/proc/${pid}/fd`;
	let count = 0;
	for (const fd of readdirSync(dir)) {
		try {
			if (readlinkSync(`${dir}/${fd}`) === file) count++;
		} catch {
			// closed between the listing and the read
		}
	}
	return count;
}

describe.each<AppMode>(['build', 'dev'])('one $lib/server module for pages and sockets (%s)', (mode) => {
	const fixture = useApp(mode);

	it('opens the database once, for the page, the form action and the socket together', async () => {
		// The page side: the login action and hooks.server.ts read sessions from $lib/server.
		const alice = await signIn(await fixture.browser.newContext(), fixture.app.url, 'alice');
		expect(openCount(fixture.app.pid, fixture.databasePath)).toBe(1);

		// The socket side: hooks.socket.ts reads the same session, the contract stores a message.
		await openRoom(alice, fixture.app.url, 'acme-general');
		await sendMessage(alice, `one instance (${mode})`);
		await alice.getByTestId('message').filter({ hasText: `one instance (${mode})` }).waitFor();
		expect(openCount(fixture.app.pid, fixture.databasePath)).toBe(1);
	});
});
