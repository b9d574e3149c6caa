import { expect, it } from 'vitest';
import { event, type HistoryEvent, type HistoryResult } from '../contract/event.js';
import type { SocketEvent } from '../contract/types.js';
import { MAX_BEFORE_LENGTH, MAX_PAGE_EVENTS, readHistoryPage, readPageRequest } from './history-pages.js';

interface Post {
	id: number;
	text: string;
}

const member: SocketEvent = { locals: {}, params: { shelfId: 'a' }, route: { id: 'shelves/[shelfId]/shelf' }, room: 'shelves/a/shelf', connectionId: 'c1' };
const posts = (from: number, to: number): Post[] => Array.from({ length: to - from + 1 }, (_, index) => ({ id: from + index, text: `p${from + index}` }));

/** An event whose history returns `result` and records what it was asked. */
function shelfEvent(result: HistoryResult<Post> | (() => never)) {
	const asked: HistoryEvent[] = [];
	const post = event<Post>({
		id: 'id',
		history: (input) => {
			asked.push(input);
			return typeof result === 'function' ? result() : result;
		}
	});
	return { post, asked };
}

it('takes an id and a whole limit from 1, cut to 100 and to maxJoinEvents; nothing else', () => {
	expect(readPageRequest(120, 50, 500)).toEqual({ before: 120, limit: 50 });
	expect(readPageRequest('01HX', 5000, 500)).toEqual({ before: '01HX', limit: MAX_PAGE_EVENTS });
	expect(readPageRequest(-3.5, 80, 20)).toEqual({ before: -3.5, limit: 20 });
	expect(readPageRequest(7, 800, Infinity)).toEqual({ before: 7, limit: 100 });
	for (const before of [undefined, null, NaN, Infinity, -Infinity, '', 'x'.repeat(MAX_BEFORE_LENGTH + 1), { $lt: 1 }, [1], true, 10n]) {
		expect(readPageRequest(before, 10, 500)).toBeUndefined();
	}
	expect(readPageRequest('x'.repeat(MAX_BEFORE_LENGTH), 10, 500)).toBeDefined();
	for (const limit of [undefined, null, 0, -1, 1.5, NaN, Infinity, 2 ** 53, '10', [10]]) {
		expect(readPageRequest(10, limit, 500)).toBeUndefined();
	}
});

it('hands the history `before` and the page size, with the member’s event, and pairs each payload with its id', async () => {
	const { post, asked } = shelfEvent({ events: posts(41, 50), complete: false });
	const page = await readHistoryPage(post, 'post', member, { before: 51, limit: 10 }, Infinity);
	expect(asked).toEqual([{ ...member, lastEventId: undefined, before: 51, limit: 10 }]);
	expect(page.events.map(([payload, id]) => [(payload as Post).id, id])).toEqual(posts(41, 50).map(({ id }) => [id, id]));
	expect(page.more).toBe(true);
});

it('says more from `complete`, or for a plain array from whether it filled the page', async () => {
	expect((await readHistoryPage(shelfEvent({ events: posts(1, 10), complete: true }).post, 'post', member, { before: 11, limit: 10 }, Infinity)).more).toBe(false);
	expect((await readHistoryPage(shelfEvent(posts(1, 3)).post, 'post', member, { before: 4, limit: 10 }, Infinity)).more).toBe(false);
	expect((await readHistoryPage(shelfEvent(posts(1, 10)).post, 'post', member, { before: 11, limit: 10 }, Infinity)).more).toBe(true);
	expect((await readHistoryPage(shelfEvent([]).post, 'post', member, { before: 1, limit: 10 }, Infinity))).toEqual({ events: [], more: false });
});

it('keeps the newest that fit a history that returned too many or too much, and says there are more', async () => {
	const many = await readHistoryPage(shelfEvent({ events: posts(1, 500), complete: true }).post, 'post', member, { before: 501, limit: 10 }, Infinity);
	expect(many.events.map(([, id]) => id)).toEqual(posts(491, 500).map(({ id }) => id));
	expect(many.more).toBe(true);
	const large = posts(1, 10).map((item) => ({ ...item, text: 'x'.repeat(100) }));
	const cut = await readHistoryPage(shelfEvent(large).post, 'post', member, { before: 11, limit: 20 }, 400);
	expect(cut.events.map(([, id]) => id)).toEqual([8, 9, 10]);
	expect(cut.more).toBe(true);
});

it('rejects with what the history threw, or a TypeError for a result that is no history’s', async () => {
	const failing = shelfEvent(() => {
		throw new Error('database down');
	});
	await expect(readHistoryPage(failing.post, 'post', member, { before: 5, limit: 5 }, Infinity)).rejects.toThrow('database down');
	await expect(readHistoryPage(shelfEvent('nope' as never).post, 'post', member, { before: 5, limit: 5 }, Infinity)).rejects.toThrow(TypeError);
	await expect(readHistoryPage(shelfEvent([{ text: 'no id' } as Post]).post, 'post', member, { before: 5, limit: 5 }, Infinity)).rejects.toThrow(/has no id/);
});
