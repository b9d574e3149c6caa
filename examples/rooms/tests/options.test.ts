import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, startApp, type AppMode, type RunningApp } from './support/app.js';
import { openRaw, type RawSocket } from '../../../packages/liverpc/test/support/raw-engine-socket.js';
import { pollingHandshake } from '../../../packages/liverpc/test/support/raw-engine-polling.js';

// One configuration surface (#8): the `options` that src/hooks.socket.ts exports (maxRooms
// and joinBurst 10) apply alike under `vite dev`, `node build` and the custom server, and
// in the two production shapes ORIGIN from the environment is the app's origin.

const PUBLIC_ORIGIN = 'https://rooms.example.test';

/** Joins and leaves the lobby one after the other; returns how many joins succeeded before the first refusal. */
async function joinsBeforeRefusal(socket: RawSocket, attempts: number): Promise<{ joined: number; refusal: unknown }> {
	let joined = 0;
	for (let i = 0; i < attempts; i++) {
		const [problem, answer] = (await socket.ask('j', 'lobby/chat', {})) as [unknown, { ref: number }];
		if (problem) return { joined, refusal: problem };
		joined++;
		socket.send(`42${JSON.stringify(['l', answer.ref])}`);
	}
	return { joined, refusal: undefined };
}

/** Starts the app in `mode` with ORIGIN set, for the tests of one describe block. */
function useOptionsApp(mode: AppMode) {
	const database = freshDatabase();
	const state = { app: undefined as unknown as RunningApp, opened: [] as RawSocket[] };
	beforeAll(async () => {
		state.app = await startApp(mode, { databasePath: database.databasePath, env: { ORIGIN: PUBLIC_ORIGIN } });
	});
	afterAll(async () => {
		for (const socket of state.opened) socket.close();
		await state.app?.stop();
		database.remove();
	});
	const connected = async (origin: string) => {
		const socket = await openRaw(state.app.url, { origin });
		state.opened.push(socket);
		expect(await socket.connect()).toMatch(/^40\{/);
		return socket;
	};
	const refusedBody = (origin: string) =>
		openRaw(state.app.url, { origin }).then(
			(socket) => (socket.close(), 'opened'),
			(problem: { body?: string }) => problem.body
		);
	return { state, connected, refusedBody };
}

async function expectJoinBurstOfTen(socket: RawSocket) {
	const { joined, refusal } = await joinsBeforeRefusal(socket, 30);
	// Ten at once, and a token per 100 ms the loop may have earned meanwhile.
	expect(joined).toBeGreaterThanOrEqual(10);
	expect(joined).toBeLessThanOrEqual(12);
	expect(refusal).toEqual({ status: 429, message: 'Too many joins: slow down' });
}

describe.each<AppMode>(['build', 'custom'])('the options of hooks.socket.ts and ORIGIN (%s)', (mode) => {
	const { state, connected, refusedBody } = useOptionsApp(mode);

	it("refuses the 11th join in a burst: the app's joinBurst of 10, not the default 50", async () => {
		await expectJoinBurstOfTen(await connected(PUBLIC_ORIGIN));
	});

	it('takes the app origin from ORIGIN: its pages connect, the bare host does not', async () => {
		await connected(PUBLIC_ORIGIN);
		expect(await refusedBody(state.app.url)).toBe('Origin not allowed');
		expect((await pollingHandshake(state.app.url, { origin: state.app.url })).status).toBe(403);
		expect((await pollingHandshake(state.app.url, { origin: PUBLIC_ORIGIN })).status).toBe(200);
	});
});

describe('the options of hooks.socket.ts (dev)', () => {
	const { state, connected, refusedBody } = useOptionsApp('dev');

	it("refuses the 11th join in a burst: the app's joinBurst of 10, not the default 50", async () => {
		await expectJoinBurstOfTen(await connected(state.app.url));
	});

	it("admits the dev server's own origin and refuses another, as SvelteKit's dev server ignores ORIGIN", async () => {
		await connected(state.app.url);
		expect(await refusedBody(PUBLIC_ORIGIN)).toBe('Origin not allowed');
	});
});
