import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { flushSync } from 'svelte';
import { afterEach, expect, it } from 'vitest';
import { attach } from '../node/index.js';
import { call, error, join } from '../server/index.js';
import { createClient, type LiveClient } from './index.svelte.js';

// A contract of its own: this file runs in the `svelte` project, compiled for the browser.
const gate = { open: false };
const door = {
	enter: join(() => {
		if (!gate.open) error(403, 'Closed');
		return { opened: true };
	}),
	knock: call(() => 'who is there')
};

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
	for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function serve(): Promise<LiveClient> {
	const server = http.createServer();
	const live = attach(server, { contracts: { door } });
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const client = createClient({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
	cleanups.push(() => client.close(), () => live.close());
	return client;
}

async function until(check: () => boolean) {
	for (let i = 0; i < 300 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
	expect(check()).toBe(true);
}

it('re-runs effects as the room and the connection change state', async () => {
	gate.open = true;
	const client = await serve();
	const room = client.live(door);
	const seen: string[] = [];
	const stop = $effect.root(() => {
		$effect(() => {
			seen.push(`${client.status}/${room.status}/${room.joined ? 'reply' : 'none'}`);
		});
	});
	flushSync();
	await until(() => seen.at(-1) === 'connected/joined/reply');
	expect(seen[0]).toBe('connecting/joining/none');
	expect(await room.knock()).toBe('who is there');

	room.leave();
	flushSync();
	stop();
	// `closed` is visible through the handle even though the shared channel is gone.
	expect(room.status).toBe('closed');
});

it('shows a rejection reactively, with its error', async () => {
	gate.open = false;
	const client = await serve();
	const room = client.live(door);
	let message: string | undefined;
	const stop = $effect.root(() => {
		$effect(() => {
			message = room.error?.message;
		});
	});
	await until(() => {
		flushSync();
		return message === 'Closed';
	});
	expect(room.status).toBe('rejected');
	stop();
});
