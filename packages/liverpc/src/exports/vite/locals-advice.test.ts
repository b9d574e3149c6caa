import { describe, expect, it } from 'vitest';
import { createLocalsAdvice, notPlainData } from './locals-advice.js';

describe('notPlainData()', () => {
	it('accepts what handlers should get: plain objects, arrays, strings, numbers, booleans, null', () => {
		expect(notPlainData({ user: { id: 'u1', roles: ['admin'], age: 3, active: true, manager: null, note: undefined } })).toBeUndefined();
		expect(notPlainData(Object.assign(Object.create(null), { id: 'u1' }))).toBeUndefined();
	});

	it('names the first field that is not plain data, with its path and kind', () => {
		class Database {}
		expect(notPlainData({ db: new Database() })).toBe('locals.db is a Database');
		expect(notPlainData({ user: { seen: new Map() } })).toBe('locals.user.seen is a Map');
		expect(notPlainData({ list: [1, () => 2] })).toBe('locals.list[1] is a function');
		expect(notPlainData({ id: 1n })).toBe('locals.id is a bigint');
		expect(notPlainData({ at: new Date(0) })).toBe('locals.at is a Date');
	});
});

describe('createLocalsAdvice()', () => {
	it('warns once per problem, about instances and about large locals', () => {
		const warnings: string[] = [];
		const advise = createLocalsAdvice((message) => warnings.push(message));
		advise({ user: { id: 'u1' } } as App.SocketLocals);
		expect(warnings).toEqual([]);

		advise({ request: new URL('http://x/') } as unknown as App.SocketLocals);
		advise({ request: new URL('http://y/') } as unknown as App.SocketLocals);
		expect(warnings).toHaveLength(1);
		expect(warnings[0]).toContain('locals.request is a URL');
		expect(warnings[0]).toContain('Return only plain data the handlers need');

		advise({ history: 'x'.repeat(40_000) } as unknown as App.SocketLocals);
		expect(warnings).toHaveLength(2);
		expect(warnings[1]).toMatch(/locals are 39 KB of JSON, held once per connection/);
	});
});
