import { expect, it } from 'vitest';
import { DEFAULT_LIMITS, optionsFromEnv, resolveOptions } from './live-options.js';

it('fills in the documented defaults', () => {
	const resolved = resolveOptions(undefined);
	expect(resolved.limits).toEqual({
		maxMessageBytes: 65_536,
		callsPerSecond: 50,
		callBurst: 100,
		maxCallsInFlight: 100,
		joinsPerSecond: 10,
		joinBurst: 50,
		maxRooms: 50,
		maxJoinEvents: 500,
		maxJoinBytes: 1_048_576,
		maxBufferedBytes: 4_194_304,
		leavesPerSecond: 10,
		leaveBurst: 50,
		maxAuthBytes: 4096,
		presenceUpdatesPerSecond: 20,
		volatilePerSecond: 20,
		handshakesPerSecondPerAddress: 20,
		handshakeBurstPerAddress: 1_000,
		maxConnectionsPerAddress: 2_000,
		callsPerSecondPerUser: 200,
		callBurstPerUser: 400,
		joinsPerSecondPerUser: 40,
		joinBurstPerUser: 200,
		handshakesPerSecond: 1_000,
		maxConnections: 10_000,
		maxCallMemoryBytes: 67_108_864,
		maxCallMemoryBytesPerUser: 1_048_576
	});
	expect(resolved.limits).toBe(DEFAULT_LIMITS);
	expect(resolved.allowMissingOrigin).toBe(true);
	expect(resolved.origin).toBeUndefined();
	expect(resolved.proxy).toEqual({ protocolHeader: undefined, hostHeader: undefined, portHeader: undefined, addressHeader: undefined, xffDepth: 1 });
});

it('normalises origins and header names', () => {
	const resolved = resolveOptions({
		origin: 'https://Chat.Example.com/',
		allowedOrigins: ['http://localhost:5173/path'],
		proxy: { addressHeader: 'X-Forwarded-For' }
	});
	expect(resolved.origin).toBe('https://chat.example.com');
	expect([...resolved.allowedOrigins]).toEqual(['http://localhost:5173']);
	expect(resolved.proxy.addressHeader).toBe('x-forwarded-for');
	expect(() => resolveOptions({ origin: 'file:///etc' })).toThrow(/is not an origin/);
});

it("reads adapter-node's environment over the options in code", () => {
	const env: Record<string, string> = { ORIGIN: 'https://rooms.example.com', ADDRESS_HEADER: 'x-real-ip', XFF_DEPTH: '2', HOST_HEADER: '' };
	const options = optionsFromEnv({ origin: 'http://localhost:3000', proxy: { hostHeader: 'x-forwarded-host' }, limits: { maxRooms: 5 } }, (name) => env[name]);
	expect(options).toEqual({
		origin: 'https://rooms.example.com',
		proxy: { hostHeader: 'x-forwarded-host', addressHeader: 'x-real-ip', xffDepth: 2 },
		limits: { maxRooms: 5 }
	});
	expect(() => resolveOptions(optionsFromEnv({}, (name) => (name === 'XFF_DEPTH' ? 'two' : undefined)))).toThrow('proxy.xffDepth must be a positive integer');
});

it('checks localsMaxAge: 5 minutes by default, at least 1 s, Infinity allowed', () => {
	expect(resolveOptions(undefined).localsMaxAge).toBe(300_000);
	expect(resolveOptions({ localsMaxAge: 60_000 }).localsMaxAge).toBe(60_000);
	expect(resolveOptions({ localsMaxAge: Infinity }).localsMaxAge).toBe(Infinity);
	for (const wrong of [0, 999, Number.NaN, '60000']) {
		expect(() => resolveOptions({ localsMaxAge: wrong as never })).toThrow(/localsMaxAge must be a number of ms of at least 1000/);
	}
});

it('refuses a limit or buffer setting named after an inherited property, as any unknown one', () => {
	// `'toString' in DEFAULT_LIMITS` is true: a check by `in` let such a key through.
	for (const inherited of ['toString', 'constructor', '__proto__', 'hasOwnProperty']) {
		expect(() => resolveOptions({ limits: JSON.parse(`{ "${inherited}": 5 }`) })).toThrow(`Unknown limit '${inherited}'`);
		expect(() => resolveOptions({ buffer: JSON.parse(`{ "${inherited}": 5 }`) })).toThrow(`Unknown buffer setting '${inherited}'`);
	}
	expect(() => resolveOptions({ limits: null as never })).toThrow('limits must be an object');
	expect(() => resolveOptions({ buffer: 5 as never })).toThrow('buffer must be an object: { size, age }');
	expect(() => resolveOptions({ buffer: { size: 1.5 } })).toThrow('buffer.size must be a whole number of at least 0');
	expect(resolveOptions({ buffer: { size: 0 } }).buffer).toEqual({ size: 0, age: 60_000 });
});
