import { expect, it } from 'vitest';
import { clientAddress } from './client-address.js';
import { resolveOptions } from '../options/live-options.js';

const proxy = (options: Parameters<typeof resolveOptions>[0] = {}) => resolveOptions(options).proxy;

it('is the remote address without an address header', () => {
	expect(clientAddress({ 'x-forwarded-for': '6.6.6.6' }, '10.0.0.2', proxy())).toBe('10.0.0.2');
});

it('takes the x-forwarded-for entry XFF_DEPTH from the right', () => {
	const headers = { 'x-forwarded-for': '6.6.6.6, 203.0.113.7, 10.0.0.1' };
	expect(clientAddress(headers, '10.0.0.2', proxy({ proxy: { addressHeader: 'X-Forwarded-For' } }))).toBe('10.0.0.1');
	expect(clientAddress(headers, '10.0.0.2', proxy({ proxy: { addressHeader: 'x-forwarded-for', xffDepth: 2 } }))).toBe('203.0.113.7');
	expect(() => clientAddress(headers, '10.0.0.2', proxy({ proxy: { addressHeader: 'x-forwarded-for', xffDepth: 4 } }))).toThrow(/XFF_DEPTH is 4/);
});

it('reads another header as it is, and throws when it is missing', () => {
	expect(clientAddress({ 'x-real-ip': ' 198.51.100.4 ' }, '10.0.0.2', proxy({ proxy: { addressHeader: 'x-real-ip' } }))).toBe('198.51.100.4');
	expect(() => clientAddress({}, '10.0.0.2', proxy({ proxy: { addressHeader: 'x-real-ip' } }))).toThrow(/no such header/);
});
