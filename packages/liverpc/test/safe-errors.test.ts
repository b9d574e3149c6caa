import { io } from 'socket.io-client';
import { describe, expect, it } from 'vitest';
import { error as kitError } from '@sveltejs/kit';
import { createClient } from 'liverpc/client';
import { handleSocket } from 'liverpc/server';
import { chat, connect, eventually, kit, lobby, notes, open, rejection, startServer } from './harness.js';
import { counters } from './fixtures/store.js';
import { failNextJoins } from './fixtures/routes/(public)/lobby.socket.js';
import { openRaw } from './support/raw-engine-socket.js';

// Controlled errors (#8): SvelteKit's own error() is an expected error like ours, retries of
// server errors end, and no error body carries the caller's input back.

const MARK = 'INPUT-7f3a9c';


describe("SvelteKit's error() from @sveltejs/kit", () => {
	it('refuses a join with its status and message, and the client does not retry it', async () => {
		const { url } = await startServer();
		const room = connect(url).live(kit);
		await eventually(() => expect(room.status).toBe('rejected'));
		expect(room.error).toEqual({ status: 401, message: 'Sign in first' });
		await new Promise((resolve) => setTimeout(resolve, 300));
		expect(room.status).toBe('rejected');
	});

	it('answers a call with its status, message and the fields of App.Error', async () => {
		const { url } = await startServer();
		const room = connect(url, 'session=s-alice').live(kit);
		await eventually(() => expect(room.status).toBe('joined'));
		const refused = await rejection(room.moderate());
		expect(refused.body).toEqual({ status: 403, message: 'Moderators only', code: 'NOT_MODERATOR' });
	});

	it('refuses a handshake with its status, and the client does not retry it', async () => {
		let runs = 0;
		const handle = handleSocket(() => {
			runs++;
			kitError(401, 'Your session expired');
		});
		const { url } = await startServer({ handle });
		const client = connect(url);
		await eventually(() => expect(client.status).toBe('rejected'));
		expect(client.error).toEqual({ status: 401, message: 'Your session expired' });
		await new Promise((resolve) => setTimeout(resolve, 300));
		expect(runs).toBe(1);
	});
});

describe('retries of server errors', () => {
	it('retries a join that fails with 5xx a bounded number of times, then shows rejected with the error', async () => {
		const { url } = await startServer();
		const before = counters.flakyJoinFailures;
		failNextJoins(100);
		const client = createClient({ url, backoff: { base: 5, max: 20, retries: 3 } });
		try {
			const room = client.live(lobby);
			await eventually(() => expect(room.status).toBe('rejected'));
			expect(room.error).toEqual({ status: 503, message: 'Try again shortly' });
			expect(counters.flakyJoinFailures - before).toBe(4); // the first try and three retries
			await new Promise((resolve) => setTimeout(resolve, 200));
			expect(counters.flakyJoinFailures - before).toBe(4);
		} finally {
			failNextJoins(0);
			client.close();
		}
	});
});

describe('error bodies never carry client input', () => {
	it("cuts valibot's 'but received' and drops messages or path keys that repeat the input", async () => {
		const { url } = await startServer();
		const room = connect(url, 'session=s-alice').live(chat, { roomId: '1' });
		await eventually(() => expect(room.status).toBe('joined'));
		for (const input of [{ text: 7_000_001 }, { text: [MARK] }, { text: `${MARK}`.repeat(300) }, { text: { [MARK]: MARK } }]) {
			const refused = await rejection(room.send(input as never));
			expect(refused.status).toBe(400);
			expect(JSON.stringify(refused.body)).not.toMatch(/7000001|INPUT-7f3a9c/);
			expect(refused.issues![0]!.path).toEqual(['text']);
		}
		const typed = await rejection(room.send({ text: 7_000_001 } as never));
		expect(typed.issues![0]!.message).toBe('Invalid type: Expected string'); // still says what was wrong

		const slot = connect(url).live(open, { slot: 'a' });
		await eventually(() => expect(slot.status).toBe('joined'));
		const record = await rejection(slot.tally({ [`<img src=x onerror=alert(1)>${MARK}`]: 'x', plain: 'y' } as never));
		expect(JSON.stringify(record.body)).not.toMatch(/INPUT-7f3a9c|<img/);
		expect(record.issues!.map((issue) => issue.path)).toEqual([['*'], ['plain']]);
	});

	it("replaces zod's messages that name the input's keys", async () => {
		const { url } = await startServer();
		const room = connect(url).live(notes);
		await eventually(() => expect(room.status).toBe('joined'));
		const strict = await rejection(room.label({ name: 'ok', [MARK]: 1 } as never));
		expect(JSON.stringify(strict.body)).not.toContain(MARK);
		expect(strict.issues).toEqual([{ path: [], message: 'Invalid value' }]);
		// zod's own message that names only the schema's rule comes through.
		const long = await rejection(room.label({ name: 'too long' }));
		expect(long.issues).toEqual([{ path: ['name'], message: 'Too big: expected string to have <=5 characters' }]);
	});

	it('answers unknown rooms, calls and params with fixed texts', async () => {
		const { url } = await startServer();
		const socket = await openRaw(url, { cookie: 'session=s-alice' });
		try {
			await socket.connect();
			const answers = [
				await socket.ask('j', `rooms/${MARK}`, {}),
				await socket.ask('j', 'rooms/[roomId]/chat', { roomId: '1', [MARK]: 'x' }),
				await socket.ask('j', 'rooms/[roomId]/chat', { roomId: MARK.repeat(50) })
			];
			const [, joined] = (await socket.ask('j', 'rooms/[roomId]/chat', { roomId: '1' })) as [null, { ref: number }];
			answers.push(await socket.ask('c', joined.ref, MARK, {}));
			for (const answer of answers) {
				expect(answer[0]).toMatchObject({ status: expect.any(Number) });
				expect(JSON.stringify(answer)).not.toContain(MARK);
			}
			expect(answers[1]).toEqual([{ status: 400, message: "Invalid params for room 'rooms/[roomId]/chat': an unknown param (the route takes 'roomId')" }]);
		} finally {
			socket.close();
		}
	});

	it('never sends a stack or an internal message, only 500 and an id', async () => {
		const { url } = await startServer();
		const raw = io(url, { path: '/_liverpc', transports: ['websocket'], forceNew: true, extraHeaders: { cookie: 'session=s-alice' } });
		try {
			await new Promise((resolve) => raw.once('connect', () => resolve(undefined)));
			const [, joined] = await new Promise<any[]>((resolve) => raw.emit('j', 'rooms/[roomId]/chat', { roomId: '1' }, (...reply: unknown[]) => resolve(reply)));
			const originalError = console.error;
			console.error = () => {};
			const [failure] = await new Promise<any[]>((resolve) => raw.emit('c', joined.ref, 'boom', null, (...reply: unknown[]) => resolve(reply)));
			console.error = originalError;
			expect(Object.keys(failure).sort()).toEqual(['id', 'message', 'status']);
			expect(failure).toMatchObject({ status: 500, message: 'Internal Error' });
			expect(JSON.stringify(failure)).not.toMatch(/hunter2|at |\.ts/);
		} finally {
			raw.close();
		}
	});
});
