import { beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { useApp } from './support/app.js';
import { messageTexts, openRoom, sendMessage, signIn } from './support/browser.js';
import { proxyHeaders } from './support/generation.js';

// Must-show 3 of #3: a user of tenant B (carol, globex) cannot get into a room of tenant A
// (acme): not by URL, not by the form action, not by frames typed into the console.
describe('tenant isolation (node build)', () => {
	const fixture = useApp('build');
	let alice: Page;
	let carol: Page;

	beforeAll(async () => {
		const { app, browser } = fixture;
		alice = await signIn(await browser.newContext(), app.url, 'alice');
		await openRoom(alice, app.url, 'acme-general');
		await sendMessage(alice, 'acme internal: Q3 numbers');
		await alice.getByTestId('message').filter({ hasText: 'Q3 numbers' }).waitFor();
		carol = await signIn(await browser.newContext(), app.url, 'carol');
	});

	it('refuses the room opened by URL, and shows none of its messages', async () => {
		await openRoom(carol, fixture.app.url, 'acme-general', 'rejected');
		await expect(carol.getByTestId('room-error').innerText()).resolves.toBe('403 This room belongs to another tenant');
		expect(await messageTexts(carol)).toEqual([]);
		expect(await carol.content()).not.toContain('Q3 numbers');
		// Her own tenant's room works on the same connection.
		await openRoom(carol, fixture.app.url, 'globex-general');
	});

	it('refuses a join and a call crafted from the browser console', async () => {
		await carol.goto(`${fixture.app.url}/rooms`);
		// Socket.IO frames written by hand on a WebSocket the page opens with its own cookie:
		// 40 connects, 42<ack>[event, ...args] emits, 43<ack>[...] is the server's answer.
		const answers = await carol.evaluate(async () => {
			const socket = new WebSocket(`ws://${location.host}/_liverpc/?EIO=4&transport=websocket`);
			const waiting = new Map<string, (value: unknown) => void>();
			socket.onmessage = ({ data }) => {
				const frame = String(data);
				if (frame === '2') return socket.send('3'); // engine.io ping
				if (frame.startsWith('40')) return waiting.get('connect')?.(frame);
				const ack = /^43(\d+)(.*)$/s.exec(frame);
				if (ack) waiting.get(ack[1]!)?.(JSON.parse(ack[2]!));
			};
			const expect = (key: string) => new Promise((resolve) => waiting.set(key, resolve));
			await new Promise((resolve) => (socket.onopen = resolve));
			const connected = expect('connect');
			socket.send('40');
			await connected;

			const join = expect('1');
			socket.send('421' + JSON.stringify(['j', 'rooms/[roomId]/chat', { roomId: 'acme-general' }]));
			const joinAnswer = await join;
			// A call with a guessed membership ref, and identity fields that must change nothing.
			const call = expect('2');
			socket.send('422' + JSON.stringify(['c', 1, 'send', { text: 'carol was here', tenantId: 'acme', user: { tenantId: 'acme' } }]));
			const callAnswer = await call;
			socket.close();
			return { joinAnswer, callAnswer };
		});

		expect(answers.joinAnswer).toEqual([{ status: 403, message: 'This room belongs to another tenant' }]);
		expect(answers.callAnswer).toEqual([{ status: 404, message: 'Not a member of this room: join it first' }]);
		await alice.reload();
		await alice.getByTestId('room-status').filter({ hasText: 'joined' }).waitFor();
		expect(await messageTexts(alice)).toEqual(['Alice: acme internal: Q3 numbers']);
	});

	it('refuses a post to the form action of the other tenant', async () => {
		const response = await carol.request.post(`${fixture.app.url}/rooms/acme-general?/send`, {
			form: { text: 'carol via form' },
			headers: { origin: fixture.app.url, accept: 'application/json', ...proxyHeaders }
		});
		const body = await response.json();
		expect(body.type).toBe('failure');
		expect(body.status).toBe(403);
		await alice.reload();
		await alice.getByTestId('room-status').filter({ hasText: 'joined' }).waitFor();
		expect(await messageTexts(alice)).toEqual(['Alice: acme internal: Q3 numbers']);
	});
});
