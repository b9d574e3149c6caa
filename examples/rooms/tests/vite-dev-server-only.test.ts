import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { appDir, useApp } from './support/app.js';

// #19 against the example under SvelteKit's `vite dev`: the attack battery's two requests
// (`GET /src/hooks.socket.ts`, `GET …/chat.socket.ts?raw`) and their spellings give nothing of
// the source, while the app's pages (which import the contract's stub) still render.
const HOOKS = readFileSync(path.join(appDir, 'src/hooks.socket.ts'), 'utf8');
const CHAT = readFileSync(path.join(appDir, 'src/routes/rooms/[roomId]/chat.socket.ts'), 'utf8');

/** A line of real code from a file, long enough not to appear by chance elsewhere. */
function codeLine(source: string): string {
	const line = source.split('\n').map((text) => text.trim()).find((text) => text.length > 40 && !text.startsWith('//') && !text.startsWith('*') && !text.startsWith('import'));
	expect(line).toBeDefined();
	return line!;
}

describe('the example under vite dev', () => {
	const fixture = useApp('dev');

	it('answers the hook and the chat contract in every spelling without their source', async () => {
		const base = fixture.app.url;
		const root = appDir;
		const chat = '/src/routes/rooms/%5BroomId%5D/chat.socket.ts';
		const requests = [
			'/src/hooks.socket.ts',
			'/src/hooks.socket.ts?raw',
			'/src/hooks.socket.ts?url',
			'/src/hooks.socket.ts?import',
			'/src/hooks%2esocket.ts',
			`/@fs${root}/src/hooks.socket.ts?raw`,
			`${chat}?raw`,
			`${chat}?inline`,
			`${chat}?worker`,
			`${chat}?raw&import`,
			`/@fs${root}${chat}?raw`,
			`/@id${chat}?raw`,
			`/${chat}?raw`
		];
		const hookLine = codeLine(HOOKS);
		const chatLine = codeLine(CHAT);
		for (const request of requests) {
			const response = await fetch(base + request);
			const body = await response.text();
			expect(body, request).not.toContain(hookLine);
			expect(body, request).not.toContain(chatLine);
		}
		expect((await fetch(`${base}/src/hooks.socket.ts`)).status).toBe(404);
		// The contract's plain module is its stub, which the room page imports.
		const stub = await (await fetch(base + chat)).text();
		expect(stub).toContain('~liverpc');
		expect(stub).not.toContain(chatLine);
		expect((await fetch(`${base}/`)).status).toBeLessThan(500);
	});
});
