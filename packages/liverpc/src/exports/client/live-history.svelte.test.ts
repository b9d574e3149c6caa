import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { flushSync } from 'svelte';
import { expect, it } from 'vitest';
import { attach } from '../node/index.js';
import { event, join } from '../server/index.js';
import { getClient, live, liveList, type PagedLiveList } from './index.svelte.js';

// `loadEarlier()` of a liveList in Svelte: the page renders the older items in front as
// they come, and `hasEarlier`/`loadingEarlier` are state. Svelte hands out its own proxy of
// each item kept in `$state`, so the list cannot find an item's event id by the item: it
// must keep them beside it. Against a real server, with the tab's client.
interface Line {
	id: number;
	text: string;
}
const lines: Line[] = Array.from({ length: 30 }, (_, index) => ({ id: index + 1, text: `l${index + 1}` }));
const line = event<Line>({
	id: 'id',
	history: ({ before, limit }) => {
		if (typeof before !== 'number') return lines.slice(-5);
		const older = lines.filter((each) => each.id < before);
		return { events: older.slice(-limit), complete: older.length <= limit };
	}
});
const log = { enter: join(() => ({})), line };

async function until(check: () => boolean) {
	for (let i = 0; i < 300 && !check(); i++) {
		flushSync();
		await new Promise((resolve) => setTimeout(resolve, 10));
	}
	expect(check()).toBe(true);
}

it('renders earlier pages in front as they load, with reactive loadingEarlier and hasEarlier', async () => {
	const server = http.createServer();
	const served = attach(server, { contracts: { 'logs/[id]/log': log } });
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	(window as unknown as { happyDOM: { setURL(url: string): void } }).happyDOM.setURL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);

	let shown = '';
	let button = '';
	let list!: PagedLiveList<Line>;
	const stop = $effect.root(() => {
		const room = $derived(live(log, { id: 'x' }));
		const entries = $derived(liveList(room, 'line', { key: (each) => each.id }));
		$effect(() => {
			list = entries;
			shown = entries.items.map((each) => each.id).join();
			button = entries.loadingEarlier ? 'loading' : entries.hasEarlier ? 'load' : 'none';
		});
	});
	try {
		await until(() => shown === '26,27,28,29,30' && button === 'load');
		const loading = list.loadEarlier(10);
		flushSync();
		expect(button).toBe('loading');
		await loading;
		await until(() => shown === Array.from({ length: 15 }, (_, index) => index + 16).join() && button === 'load');
		await list.loadEarlier(10);
		await list.loadEarlier(10);
		await until(() => shown === lines.map((each) => each.id).join() && button === 'none');
	} finally {
		stop();
		getClient().close();
		await served.close();
	}
});
