import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { useApp } from './support/app.js';
import { openRaw, type RawSocket } from '../../../packages/liverpc/test/support/raw-engine-socket.js';
import { pollingHandshake } from '../../../packages/liverpc/test/support/raw-engine-polling.js';
import { sessionCookie } from './support/session.js';

// Limits beyond one connection (#19) against `node build` of the example, with the library's
// defaults, over raw frames as an attacker writes them. Before: 40 fresh connections of one
// address made 4,000 calls in 409 ms, and 300 handshakes from one address were accepted at
// 520/s. The handshake flood runs last: it leaves the address's burst spent.

const CHAT = 'rooms/[roomId]/chat';
const ACME_GENERAL = { roomId: 'acme-general' };

describe('limits beyond one connection on node build', () => {
	const fixture = useApp('build');
	let alice: string;
	let bob: string;
	const opened: RawSocket[] = [];

	beforeAll(async () => {
		[alice, bob] = [await sessionCookie(fixture.app.url, 'alice'), await sessionCookie(fixture.app.url, 'bob')];
	});
	afterEach(() => {
		for (const socket of opened.splice(0)) socket.close();
	});

	async function joined(cookie: string): Promise<{ socket: RawSocket; ref: number }> {
		const socket = await openRaw(fixture.app.url, { cookie });
		opened.push(socket);
		expect(await socket.connect()).toMatch(/^40\{"sid"/);
		const [problem, reply] = (await socket.ask('j', CHAT, ACME_GENERAL)) as [unknown, { ref: number }];
		expect(problem).toBeNull();
		return { socket, ref: reply.ref };
	}

	it("40 connections of one signed-in user sending messages as fast as each may get the user's 400 at once and 200/s, no more; bob is served", async () => {
		const members = await Promise.all(Array.from({ length: 40 }, () => joined(alice)));
		const started = Date.now();
		// 45 each: within one connection's burst (100) and the 50 refusals it may collect before it is closed.
		const answers = (
			await Promise.all(
				members.map(async ({ socket, ref }, c) => {
					socket.sendBatch(Array.from({ length: 45 }, (_, i) => `42${1000 + i}${JSON.stringify(['c', ref, 'send', { text: `flood ${c}/${i}` }])}`));
					const got: unknown[][] = [];
					for (let i = 0; i < 45; i++) {
						const frame = await socket.next((f) => f.startsWith(`43${1000 + i}[`), 20_000);
						got.push(JSON.parse(frame.slice(`43${1000 + i}`.length)) as unknown[]);
					}
					return got;
				})
			)
		).flat();
		const ms = Date.now() - started;
		const served = answers.filter(([error]) => error === null).length;
		expect(served).toBeGreaterThan(0);
		expect(served).toBeLessThanOrEqual(400 + Math.ceil((200 * ms) / 1000) + 40);
		const refused = answers.filter(([error]) => error !== null);
		expect(refused.length).toBeGreaterThan(answers.length / 2);
		for (const [body] of refused) expect(body).toEqual({ status: 429, message: 'Too many calls from this user: slow down' });

		const { socket, ref } = await joined(bob);
		const [problem] = await socket.ask('c', ref, 'send', { text: 'bob is still served' });
		expect(problem).toBeNull();
	}, 60_000);

	it('a handshake flood from one address gets 429 past the burst of 1,000, over polling and websocket, with a fixed body', async () => {
		const started = Date.now();
		const results: Array<{ status: number; body: string }> = [];
		let next = 0;
		await Promise.all(
			Array.from({ length: 50 }, async () => {
				while (next < 1_200) {
					next++;
					results.push(await pollingHandshake(fixture.app.url));
				}
			})
		);
		const elapsed = Date.now() - started;
		const admitted = results.filter(({ status }) => status === 200).length;
		expect(admitted).toBeLessThanOrEqual(1_000 + Math.ceil((20 * elapsed) / 1000) + 1);
		const refused = results.filter(({ status }) => status !== 200);
		expect(refused.length).toBeGreaterThan(0);
		for (const { status, body } of refused) {
			expect(status).toBe(429);
			expect(JSON.parse(body)).toEqual({ status: 429, message: 'Too many new connections from this address: slow down' });
		}
		// Over websocket too (the bucket refills at 20/s meanwhile: a few of 40 may pass).
		const upgrades = await Promise.all(
			Array.from({ length: 40 }, () =>
				openRaw(fixture.app.url, { cookie: alice }).then(
					(socket) => (opened.push(socket), undefined),
					(problem: { status?: number; body?: string }) => problem
				)
			)
		);
		const refusedUpgrades = upgrades.filter((problem) => problem !== undefined);
		expect(refusedUpgrades.length).toBeGreaterThan(30);
		for (const problem of refusedUpgrades) {
			expect(problem.status).toBe(429);
			expect(JSON.parse(problem.body!)).toEqual({ status: 429, message: 'Too many new connections from this address: slow down' });
		}
	}, 120_000);
});
