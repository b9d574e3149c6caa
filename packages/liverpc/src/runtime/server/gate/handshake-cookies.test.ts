import { expect, it } from 'vitest';
import { HandshakeCookieJar } from './handshake-cookies.js';

it('reads, decodes and lists the cookies of a handshake', () => {
	const cookies = new HandshakeCookieJar('session=abc%20def; theme=dark');
	expect(cookies.get('session')).toBe('abc def');
	expect(cookies.get('missing')).toBeUndefined();
	expect(cookies.getAll()).toEqual([
		{ name: 'session', value: 'abc def' },
		{ name: 'theme', value: 'dark' }
	]);
});

it('has no cookies when the header is absent, and no inherited ones ever', () => {
	expect(new HandshakeCookieJar(undefined).get('session')).toBeUndefined();
	expect(new HandshakeCookieJar('a=1').get('toString')).toBeUndefined();
	expect(new HandshakeCookieJar('a=1').get('__proto__')).toBeUndefined();
});
