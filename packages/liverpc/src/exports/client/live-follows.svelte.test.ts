import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { flushSync } from 'svelte';
import { expect, it } from 'vitest';
import { attach } from '../node/index.js';
import { join } from '../server/index.js';
import { getClient, live } from './index.svelte.js';

// `$derived(live(contract, params))` follows the page. When the params change, the old
// room is left and the new one joined; when the owner goes, its room is left. Runs against a
// real server, with the tab's own client (this file's page is the server's origin).
const seen: string[] = [];
const members = new Map<string, number>();
const room = {
	enter: join(({ params }) => {
		seen.push(params.id!);
		return { id: params.id! };
	})
};

async function until(check: () => boolean) {
	for (let i = 0; i < 300 && !check(); i++) {
		flushSync();
		await new Promise((resolve) => setTimeout(resolve, 10));
	}
	expect(check()).toBe(true);
}

it('leaves the old room and joins the new one when $derived params change, and leaves when destroyed', async () => {
	const server = http.createServer();
	const served = attach(server, { contracts: { 'things/[id]/room': room } });
	served.io.on('connection', (socket) => {
		// How many members each room key has, as the server sees it.
		const count = () => {
			members.clear();
			for (const [key, sockets] of served.io.of('/').adapter.rooms) if (!sockets.has(key)) members.set(key, sockets.size);
		};
		socket.onAny(() => setTimeout(count, 20));
		socket.onAnyOutgoing(() => setTimeout(count, 20));
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	(window as unknown as { happyDOM: { setURL(url: string): void } }).happyDOM.setURL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);

	// The tab's client exists before the room, as when the layout shows its status: reading
	// its state while opening a room must not make the room depend on it (a status change
	// would leave the room and join it again).
	expect(getClient().status).not.toBe('closed');
	const params = $state({ id: 'a' });
	let joined: string | undefined;
	const stop = $effect.root(() => {
		const current = $derived(live(room, { id: params.id }));
		$effect(() => {
			joined = current.joined?.id;
		});
	});
	try {
		await until(() => joined === 'a');
		params.id = 'b';
		await until(() => joined === 'b');
		// One membership at a time: the room of `a` was left.
		await until(() => [...members.keys()].join() === 'things/[id]/room#things/b/room');
		expect(seen).toEqual(['a', 'b']);
	} finally {
		stop();
	}
	// The owner is gone: so is its room.
	await until(() => members.size === 0);
	getClient().close();
	await served.close();
});
