import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { flushSync } from 'svelte';
import { expect, it } from 'vitest';
import { attach } from '../node/index.js';
import { event, join } from '../server/index.js';
import { getClient, live, liveList, liveValue } from './index.svelte.js';

// `$derived(liveList(room, …))` in Svelte: its items are state (an effect that reads them
// re-runs on each event), and a new room (new params) gives a new list, started from that
// room's history, while the old one stops. Against a real server, with the tab's client.
interface Note {
	id: number;
	text: string;
}
const stored: Record<string, Note[]> = { a: [{ id: 1, text: 'a1' }, { id: 2, text: 'a2' }], b: [{ id: 1, text: 'b1' }] };
const note = event<Note>({ id: 'id', history: ({ params }) => stored[params.id!] ?? [] });
const topic = event<{ text: string }>();
const board = { enter: join(() => ({})), note, topic };

async function until(check: () => boolean) {
	for (let i = 0; i < 300 && !check(); i++) {
		flushSync();
		await new Promise((resolve) => setTimeout(resolve, 10));
	}
	expect(check()).toBe(true);
}

it('re-renders on each event, and starts again from the new room’s history when the params change', async () => {
	const server = http.createServer();
	const served = attach(server, { contracts: { 'boards/[id]/board': board } });
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	(window as unknown as { happyDOM: { setURL(url: string): void } }).happyDOM.setURL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);

	const params = $state({ id: 'a' });
	let shown = '';
	let latestTopic: string | undefined;
	let lists = 0;
	const stop = $effect.root(() => {
		const room = $derived(live(board, { id: params.id }));
		const notes = $derived.by(() => {
			lists++;
			return liveList(room, 'note', { key: (n) => n.id, limit: 3 });
		});
		const current = $derived(liveValue(room, 'topic'));
		$effect(() => {
			shown = notes.items.map((n) => n.text).join();
			latestTopic = current.value?.text;
		});
	});
	try {
		await until(() => shown === 'a1,a2');
		note.to({ id: 'a' }).emit({ id: 3, text: 'a3' });
		topic.to({ id: 'a' }).emit({ text: 'first' });
		await until(() => shown === 'a1,a2,a3' && latestTopic === 'first');
		note.to({ id: 'a' }).emit({ id: 2, text: 'a2 edited' });
		note.to({ id: 'a' }).emit({ id: 4, text: 'a4' });
		await until(() => shown === 'a2 edited,a3,a4');
		expect(lists).toBe(1);

		params.id = 'b';
		// A new list, with b's history only, and no topic yet.
		await until(() => shown === 'b1');
		expect(latestTopic).toBeUndefined();
		expect(lists).toBe(2);
		// The old list follows nothing any more: a's events reach neither list.
		note.to({ id: 'a' }).emit({ id: 5, text: 'a5' });
		note.to({ id: 'b' }).emit({ id: 2, text: 'b2' });
		await until(() => shown === 'b1,b2');
	} finally {
		stop();
		getClient().close();
		await served.close();
	}
});
