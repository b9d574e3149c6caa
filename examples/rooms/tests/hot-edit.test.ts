import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createClient } from 'liverpc/client';
import { appDir, useApp } from './support/app.js';
import { sessionCookie } from './support/session.js';

// #10: under `vite dev` an edited contract serves its next call with the new code, without a
// restart and on a room already joined, whichever loader SvelteKit uses (ssrLoadModule on 2,
// the ssr environment's module runner on 3). The edit is undone after the test.
const CONTRACT = path.join(appDir, 'src/routes/lobby/chat.socket.ts');
const original = readFileSync(CONTRACT, 'utf8');
const EDITED_REPLY = 'return { ...saved, text: `${saved.text} (edited contract)` };';

describe('editing a contract under vite dev', () => {
	const fixture = useApp('dev');
	afterAll(() => writeFileSync(CONTRACT, original));

	it('runs the next call with the new code, and the old code once the edit is undone', async () => {
		expect(original).toContain('return saved;');
		const client = createClient({ url: fixture.app.url, headers: { cookie: await sessionCookie(fixture.app.url, 'alice') } });
		const lobby = client.live({ send: { '~liverpc': { kind: 'call', route: 'lobby/chat', name: 'send' } } }, {}) as unknown as {
			send(input: { text: string }): Promise<{ text: string }>;
		};
		/** Sends until the reply's text is `expected`, as the file watcher takes a moment. */
		const replyBecomes = async (text: string, expected: string) => {
			const deadline = Date.now() + 15_000;
			for (let attempt = 0; ; attempt++) {
				const reply = await lobby.send({ text: `${text} ${attempt}` });
				if (reply.text === `${text} ${attempt}${expected}`) return;
				if (Date.now() > deadline) throw new Error(`The reply stayed ${JSON.stringify(reply.text)}:\n${fixture.app.output()}`);
				await new Promise((resolve) => setTimeout(resolve, 300));
			}
		};
		try {
			expect((await lobby.send({ text: 'before' })).text).toBe('before');
			writeFileSync(CONTRACT, original.replace('return saved;', EDITED_REPLY));
			await replyBecomes('during', ' (edited contract)');
			writeFileSync(CONTRACT, original);
			await replyBecomes('after', '');
		} finally {
			writeFileSync(CONTRACT, original);
			client.close();
		}
	});
});
