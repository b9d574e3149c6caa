import { afterEach, expect, it, vi } from 'vitest';
import { resolveOptions } from '../options/live-options.js';
import { checkOrigin, createRefusalLog, requestOrigin } from './origin-check.js';

afterEach(() => vi.useRealTimers());

const options = resolveOptions(undefined);

it("admits the request's own origin and refuses the rest, whatever their shape", () => {
	const headers = { host: 'rooms.test:3000' };
	expect(checkOrigin({ ...headers, origin: 'http://rooms.test:3000' }, false, options)).toBeUndefined();
	expect(checkOrigin({ ...headers, origin: 'HTTP://ROOMS.TEST:3000' }, false, options)).toBeUndefined();
	for (const origin of ['null', '', 'http://rooms.test:3001', 'http://rooms.test.evil:3000', 'ws://rooms.test:3000', 'http://rooms.test:3000@evil']) {
		expect(checkOrigin({ ...headers, origin }, false, options), origin).toBeDefined();
	}
	// A TLS connection is https only.
	expect(checkOrigin({ ...headers, origin: 'http://rooms.test:3000' }, true, options)).toBeDefined();
});

it("builds the hook's URL base from ORIGIN, else from the request and the proxy headers", () => {
	expect(requestOrigin({ host: 'a.test' }, false, options)).toBe('http://a.test');
	expect(requestOrigin({ host: 'a.test' }, false, resolveOptions({ origin: 'https://b.test' }))).toBe('https://b.test');
	const proxied = resolveOptions({ proxy: { protocolHeader: 'x-forwarded-proto', hostHeader: 'x-forwarded-host', portHeader: 'x-forwarded-port' } });
	expect(requestOrigin({ host: 'internal:3000', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'c.test', 'x-forwarded-port': '8443' }, false, proxied)).toBe(
		'https://c.test:8443'
	);
});

it('logs each reason once in a while and never more than a trickle of lines', () => {
	vi.useFakeTimers({ now: 1_000_000 });
	const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
	const log = createRefusalLog();
	for (let i = 0; i < 100; i++) log(`forged ${i}`);
	expect(warn).toHaveBeenCalledTimes(10);
	log('forged 0');
	expect(warn).toHaveBeenCalledTimes(10);
	vi.advanceTimersByTime(10 * 60_000);
	log('the real misconfiguration');
	expect(warn).toHaveBeenCalledTimes(11);
	expect(String(warn.mock.calls.at(-1)![0])).toMatch(/the real misconfiguration \(and 91 refusals not logged/);
	warn.mockRestore();
});
