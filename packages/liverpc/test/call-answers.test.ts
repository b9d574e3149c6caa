import { afterEach, describe, expect, it } from 'vitest';
import { createClient, LiveError, type LiveClient } from 'liverpc/client';
import { call, join } from 'liverpc/server';
import { eventually, startServer } from './harness.js';

// No call left unanswered (#19): a fault inside LiveRPC's handling of a call answers 500
// with an error id, and the client rejects a call the server never answers after
// `callTimeout`. Each fault here is a real one that left the call unanswered before.

const route = 'faults/faults';
const marker = (kind: string, name: string) => ({ '~liverpc': { kind, route, name } });
const faults = {
	enter: marker('join', 'enter'),
	throwingThen: marker('call', 'throwingThen'),
	twiceSettled: marker('call', 'twiceSettled'),
	shapedBadly: marker('call', 'shapedBadly'),
	never: marker('call', 'never'),
	fine: marker('call', 'fine')
};

const contract = {
	enter: join(() => ({})),
	// A handler's library returns a thenable whose `then` throws: the dispatch called `then`
	// outside any try, so the throw went to the listener's net, which only logged it.
	throwingThen: call(() => ({ then: () => { throw new Error('thenable broke'); } }) as unknown as Promise<unknown>),
	// A thenable that fulfils and then rejects: answered once, and counted settled once (the
	// count of calls in flight went negative before, a bypass of maxCallsInFlight).
	twiceSettled: call(() => ({ then: (ok: (value: unknown) => void, ko: (reason: unknown) => void) => { ok('first'); ko(new Error('then this')); ok('again'); } }) as unknown as Promise<unknown>),
	// The handler fails and the app's handleError shapes the body with a value that does not
	// encode: the error reply threw inside the ack and was only logged.
	shapedBadly: call(() => {
		throw new Error('handler failed');
	}),
	never: call(() => new Promise<never>(() => {})),
	fine: call(() => 'fine')
};

const clients: LiveClient[] = [];
afterEach(() => {
	for (const client of clients.splice(0)) client.close();
});

async function joined(url: string, callTimeout?: number) {
	const client = createClient({ url, callTimeout, backoff: { base: 20, max: 100 } });
	clients.push(client);
	const room = client.live(faults as never) as unknown as Record<'throwingThen' | 'twiceSettled' | 'shapedBadly' | 'never' | 'fine', () => Promise<unknown>> & { status: string };
	await eventually(() => expect(room.status).toBe('joined'));
	return room;
}

async function rejectionOf(promise: Promise<unknown>): Promise<LiveError> {
	try {
		await promise;
	} catch (error) {
		if (error instanceof LiveError) return error;
		throw error;
	}
	throw new Error('the call resolved');
}

describe('a fault inside call handling', () => {
	it('answers a handler returning a thenable whose then throws with 500 and an error id', async () => {
		const { url } = await startServer({ contracts: { [route]: contract } });
		const room = await joined(url, 5000);
		const refused = await rejectionOf(room.throwingThen());
		expect(refused.status).toBe(500);
		expect(refused.message).toBe('Internal Error');
		expect(refused.id).toMatch(/^[0-9a-f-]{36}$/);
		expect(refused.body).toEqual({ status: 500, message: 'Internal Error', id: refused.id });
		// The connection's count of calls in flight was given back: it still calls.
		for (let i = 0; i < 20; i++) await expect(room.throwingThen()).rejects.toMatchObject({ status: 500 });
		expect(await room.fine()).toBe('fine');
	});

	it('answers a thenable that settles twice once, and keeps counting calls in flight right', async () => {
		// One call in flight allowed: a count gone negative would let two run at once.
		const { url } = await startServer({ contracts: { [route]: contract }, limits: { maxCallsInFlight: 1 } });
		const room = await joined(url, 5000);
		expect(await room.twiceSettled()).toBe('first');
		expect(await room.twiceSettled()).toBe('first');
		const hanging = room.never();
		// With the count right, the never-answered call fills the one place: the next is refused.
		await expect(room.fine()).rejects.toMatchObject({ status: 429 });
		void hanging.catch(() => {});
	});

	it("answers 500 with the id when handleError's body cannot be encoded", async () => {
		const { url } = await startServer({
			contracts: { [route]: contract },
			handleError: () => ({ message: 'Shaped', detail: 10n }) as never
		});
		const room = await joined(url, 5000);
		const refused = await rejectionOf(room.shapedBadly());
		expect(refused.body).toEqual({ status: 500, message: 'Internal Error', id: expect.stringMatching(/^[0-9a-f-]{36}$/) });
	});
});

describe('the client call timeout', () => {
	it('rejects a call the server never answers with a 504 LiveError after callTimeout', async () => {
		const { url } = await startServer({ contracts: { [route]: contract } });
		const room = await joined(url, 300);
		const started = Date.now();
		const refused = await rejectionOf(room.never());
		const waited = Date.now() - started;
		expect(refused.status).toBe(504);
		expect(refused.message).toBe('The server did not answer the call in time (callTimeout); the call may have run');
		expect(waited).toBeGreaterThanOrEqual(290);
		expect(waited).toBeLessThan(3000);
		// The room still serves the calls that are answered.
		expect(await room.fine()).toBe('fine');
	});

	it('never rejects an answered call, and with Infinity never rejects at all', async () => {
		const { url } = await startServer({ contracts: { [route]: contract } });
		const quick = await joined(url, 200);
		for (let i = 0; i < 5; i++) expect(await quick.fine()).toBe('fine');
		const patient = await joined(url, Infinity);
		let settled = false;
		void patient.never().finally(() => (settled = true)).catch(() => {});
		await new Promise((resolve) => setTimeout(resolve, 600));
		expect(settled).toBe(false);
	});
});
