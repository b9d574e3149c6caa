import { describe, expect, it } from 'vitest';
import { compileRoutePattern } from './route-pattern.js';

const resolve = (id: string, params: unknown) => compileRoutePattern(id).resolve(params);

describe('compileRoutePattern', () => {
	it('names a room by substituting params into the route', () => {
		expect(resolve('rooms/[roomId]/chat', { roomId: '42' })).toEqual({ room: 'rooms/42/chat', params: { roomId: '42' } });
		expect(resolve('lobby', {})).toMatchObject({ room: 'lobby' });
		expect(resolve('t/[a]-[b]', { a: 'x', b: 'y' })).toMatchObject({ room: 't/x-y' });
	});

	it('drops (group) segments and handles [[optional]] and [...rest]', () => {
		expect(resolve('(app)/rooms/[id]', { id: '1' })).toMatchObject({ room: 'rooms/1' });
		expect(resolve('docs/[[lang]]/live', {})).toMatchObject({ room: 'docs/live', params: { lang: '' } });
		expect(resolve('docs/[[lang]]/live', { lang: 'fr' })).toMatchObject({ room: 'docs/fr/live' });
		expect(resolve('files/[...path]', { path: 'a/b/c' })).toMatchObject({ room: 'files/a/b/c' });
		expect(resolve('files/[...path]', {})).toMatchObject({ room: 'files' });
	});

	it('lists param names in route order', () => {
		expect(compileRoutePattern('(g)/[org]/[[lang]]/x/[...rest]').params).toEqual(['org', 'lang', 'rest']);
	});

	it('explains params that do not fit', () => {
		const chat = 'rooms/[roomId]/chat';
		expect(resolve(chat, undefined)).toEqual({ problem: 'params must be an object' });
		expect(resolve(chat, ['1'])).toEqual({ problem: 'params must be an object' });
		expect(resolve(chat, {})).toEqual({ problem: "param 'roomId' must be a string" });
		expect(resolve(chat, { roomId: '' })).toEqual({ problem: "param 'roomId' must not be empty" });
		expect(resolve(chat, { roomId: 'a/b' })).toEqual({ problem: "param 'roomId' must not contain '/'" });
		expect(resolve(chat, { roomId: '1', other: '2' })).toEqual({ problem: "an unknown param (the route takes 'roomId')" });
		expect(resolve(chat, { roomId: 'x'.repeat(257) })).toEqual({ problem: "param 'roomId' is longer than 256 characters" });
		expect(resolve(chat, { roomId: 'a\nb' })).toEqual({ problem: "param 'roomId' contains control characters" });
		expect(resolve('files/[...path]', { path: 'a//b' })).toEqual({ problem: "param 'path' must not have empty segments" });
	});

	it("builds params from the route's names only", () => {
		const result = resolve('rooms/[roomId]', JSON.parse('{"roomId":"1"}')) as { params: object };
		expect(Object.keys(result.params)).toEqual(['roomId']);
		expect(resolve('rooms/[roomId]', JSON.parse('{"roomId":"1","__proto__":{}}'))).toEqual({ problem: "an unknown param (the route takes 'roomId')" });
		expect(() => compileRoutePattern('rooms/[__proto__]')).toThrow(/not a valid param name/);
	});

	it('refuses route ids SvelteKit would not accept or rooms cannot serve', () => {
		expect(() => compileRoutePattern('/rooms')).toThrow(/must not start or end with '\/'/);
		expect(() => compileRoutePattern('a//b')).toThrow(/empty segment/);
		expect(() => compileRoutePattern('a/[id=integer]')).toThrow(/matchers/);
		expect(() => compileRoutePattern('a/[id]/[id]')).toThrow(/appears twice/);
		expect(() => compileRoutePattern('a/x-[...rest]')).toThrow(/whole segment/);
		expect(() => compileRoutePattern('a/[b')).toThrow(/unbalanced/);
		expect(() => compileRoutePattern('a#b')).toThrow(/'#'/);
	});
});
