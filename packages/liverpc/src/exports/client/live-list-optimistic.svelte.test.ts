import { flushSync } from 'svelte';
import { expect, it } from 'vitest';
import { liveList, type LiveList, type RoomWithEvents } from './index.svelte.js';
import { handDrivenRoom } from '../../../test/support/hand-driven-room.js';

// In Svelte an optimistic item is state like any other: an effect that renders the list and
// greys pending items re-runs when the item is listed, when its call answers, and when its
// event replaces it, and the page's keyed `{#each}` key stays the same through all three.
interface Message {
	id: number;
	text: string;
	key: string;
}

it('re-renders when an optimistic item is listed, answered and replaced by its event', async () => {
	const room = handDrivenRoom();
	const renders: string[] = [];
	let answer!: (saved: Message) => void;
	const call = new Promise<Message>((resolve) => (answer = resolve));
	// The hand-driven room stands for a room of this contract.
	const chat = room as unknown as RoomWithEvents<{ message: Message }>;
	let list!: LiveList<Message>;
	const stop = $effect.root(() => {
		list = liveList(chat, 'message', { key: (m) => m.id, match: (m) => m.key });
		$effect(() => {
			renders.push(list.items.map((m) => `${m.key}:${m.text}${list.isPending(m) ? ' (sending)' : ''}`).join());
		});
	});
	try {
		flushSync();
		room.joined();
		void list.optimistic({ id: Infinity, text: 'hello', key: 'k1' }, call);
		flushSync();
		answer({ id: 1, text: 'hello', key: 'k1' });
		await call;
		await Promise.resolve();
		flushSync();
		room.emit('message', { id: 1, text: 'hello!', key: 'k1' });
		flushSync();
		expect(renders).toEqual(['', 'k1:hello (sending)', 'k1:hello', 'k1:hello!']);
	} finally {
		stop();
	}
});
