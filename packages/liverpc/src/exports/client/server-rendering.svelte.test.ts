// @vitest-environment node
import v8 from 'node:v8';
import vm from 'node:vm';
import { render } from 'svelte/server';
import { expect, it } from 'vitest';
import LiveRoomPage from '../../../test/fixtures/components/LiveRoomPage.svelte';

// `live()` while SvelteKit renders a page on the server creates and keeps
// nothing; the room joins when the page hydrates. Compiled for the server, as SSR is.

it('renders a page with live() 100,000 times and keeps the heap flat', () => {
	v8.setFlagsFromString('--expose-gc');
	const gc = vm.runInNewContext('gc') as () => void;
	const renderOnce = (i: number) => render(LiveRoomPage, { props: { roomId: String(i) } }).body;

	expect(renderOnce(1)).toContain('data-status="joining"');
	for (let i = 0; i < 10_000; i++) renderOnce(i); // warm up: code compiled, pools grown
	gc();
	const before = process.memoryUsage().heapUsed;
	for (let i = 0; i < 100_000; i++) renderOnce(i);
	gc();
	const grown = process.memoryUsage().heapUsed - before;
	// The plain client kept ~0.6 KB per render plus ~1.1 KB per room: about 60 MB here.
	expect(grown).toBeLessThan(3 * 1024 * 1024);
});
