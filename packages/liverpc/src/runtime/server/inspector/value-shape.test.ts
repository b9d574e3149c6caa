import { describe, expect, it } from 'vitest';
import { describeValue } from './value-shape.js';

describe('describeValue', () => {
	it('keeps the keys and replaces every value by its type when redacting', () => {
		const locals = { user: { id: 'u-1', name: 'Ada', admin: true, age: 36, tags: ['a', 'b'] }, token: null, since: new Date(0), big: 1n };
		expect(describeValue(locals, false)).toEqual({
			user: { id: 'string', name: 'string', admin: 'boolean', age: 'number', tags: ['string', 'string'] },
			token: 'null',
			since: 'Date',
			big: 'bigint'
		});
	});

	it('shows values, as JSON, when revealing', () => {
		expect(describeValue({ user: { id: 'u-1' }, since: new Date(0), big: 1n, gone: undefined }, true)).toEqual({
			user: { id: 'u-1' },
			since: '1970-01-01T00:00:00.000Z',
			big: '1n',
			gone: 'undefined'
		});
	});

	it('names class instances, functions and collections without walking them', () => {
		class Database {
			secret = 'connection string';
		}
		const described = describeValue({ db: new Database(), log: () => {}, seen: new Set([1]), byId: new Map() }, true);
		expect(described).toEqual({ db: 'Database', log: 'function', seen: 'Set(1)', byId: 'Map(0)' });
	});

	it('is bounded: depth, keys, items, string length, cycles', () => {
		const cyclic: Record<string, unknown> = { name: 'loop' };
		cyclic.self = cyclic;
		expect(describeValue(cyclic, true)).toEqual({ name: 'loop', self: '[circular]' });
		const deep = { a: { b: { c: { d: { e: { f: { g: 1 } } } } } } };
		expect(JSON.stringify(describeValue(deep, true))).toBe('{"a":{"b":{"c":{"d":{"e":{"f":"object"}}}}}}');
		const wide = Object.fromEntries(Array.from({ length: 60 }, (_, index) => [`k${index}`, index]));
		expect(Object.keys(describeValue(wide, false) as object)).toHaveLength(51);
		expect(describeValue(Array.from({ length: 25 }, () => 0), false)).toHaveLength(21);
		expect((describeValue('x'.repeat(500), true) as string).length).toBe(201);
	});
});
