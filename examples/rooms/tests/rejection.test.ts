import { describe, expect, it } from 'vitest';
import { io, type Socket } from 'socket.io-client';
import { useApp } from './support/app.js';
import { openRoom } from './support/browser.js';

// Must-show 1 of #3: without a session cookie the tab still connects, and the tenant room's
// join is refused by the server, which the page shows (in its first HTML since #21: the
// page's load reads the room with the same guard).
describe('a tab without a session cookie (node build)', () => {
	const fixture = useApp('build');

	it('connects, and the tenant room shows the server refusal', async () => {
		const context = await fixture.browser.newContext();
		const page = await context.newPage();
		await openRoom(page, fixture.app.url, 'acme-general', 'rejected');

		// The refusal was in the HTML; the tab's connection comes up after its script runs.
		await page.getByTestId('connection-status').filter({ hasText: /^connected$/ }).waitFor();
		await expect(page.getByTestId('room-error').innerText()).resolves.toBe('401 Sign in to chat');
		await expect(page.getByTestId('message').count()).resolves.toBe(0);
		expect(await context.cookies()).toEqual([]);
		await context.close();
	});

	it('gives a raw socket.io-client the same 401 for the join', async () => {
		const socket: Socket = io(fixture.app.url, { path: '/_liverpc', transports: ['websocket'], reconnection: false });
		try {
			await new Promise<void>((resolve, reject) => {
				socket.once('connect', resolve);
				socket.once('connect_error', reject);
			});
			// The wire of liverpc/client: JOIN is 'j' (route id, params, ack) and the ack's
			// arguments are (error) or (null, joined).
			const ackArguments = await new Promise((resolve, reject) =>
				socket.timeout(5000).emit('j', 'rooms/[roomId]/chat', { roomId: 'acme-general' }, (timedOut: Error | null, ...args: unknown[]) =>
					timedOut ? reject(timedOut) : resolve(args)
				)
			);
			expect(ackArguments).toEqual([{ status: 401, message: 'Sign in to chat' }]);
		} finally {
			socket.close();
		}
	});
});
