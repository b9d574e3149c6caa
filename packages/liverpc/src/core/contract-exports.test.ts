import { parseSync } from 'vite';
import { describe, expect, it } from 'vitest';
import { readContractExports } from './contract-exports.js';
import { clientStub } from './client-stub.js';
import { serverStamp } from './server-stamp.js';

const read = (code: string) => readContractExports(parseSync('contract.js', code).program as never);

describe('readContractExports', () => {
	it('classifies builders imported from liverpc/server, renamed or through a namespace', () => {
		const { exports, others } = read(`
			import { join, call as rpc, event } from 'liverpc/server';
			import * as live from 'liverpc/server';
			import * as v from 'valibot';
			export const message = event();
			export const enter = join(async () => ({ history: [] }));
			export const send = rpc(v.object({ text: v.string() }), async ({ text }) => text);
			export const typing = live.event();
			const hidden = live.call(() => 1);
			export { hidden as ping };
		`);
		expect(exports).toEqual([
			{ name: 'message', local: 'message', kind: 'event' },
			{ name: 'enter', local: 'enter', kind: 'join' },
			{ name: 'send', local: 'send', kind: 'call' },
			{ name: 'typing', local: 'typing', kind: 'event' },
			{ name: 'ping', local: 'hidden', kind: 'call' }
		]);
		expect(others).toEqual([]);
	});

	it('lists every other export with the reason it cannot reach the browser', () => {
		const { exports, others } = read(`
			import { call } from 'liverpc/server';
			import { call as otherCall } from './elsewhere.js';
			export const limit = 2000;
			export let send = call(() => 1);
			export const wrapped = otherCall(() => 1);
			export function helper() {}
			export * from './more.js';
			export { x } from './more.js';
			export default call(() => 1);
		`);
		expect(exports).toEqual([]);
		expect(others.map((other) => other.name)).toEqual(['limit', 'send', 'wrapped', 'helper', '*', 'x', 'default']);
		expect(others[0]!.reason).toMatch(/not a join\(\), call\(\), event\(\) or presence\(\)/);
	});
});

describe('clientStub', () => {
	it('holds markers only, and evaluates to what live() reads', async () => {
		const code = clientStub(
			'rooms/[roomId]/chat',
			[
				{ name: 'send', local: 'send', kind: 'call' },
				{ name: 'message', local: 'message', kind: 'event' }
			],
			'src/routes/rooms/[roomId]/chat.socket.ts'
		);
		const module = await import(`data:text/javascript,${encodeURIComponent(code)}`);
		expect(module.send).toEqual({ '~liverpc': { kind: 'call', route: 'rooms/[roomId]/chat', name: 'send' } });
		expect(module.message['~liverpc'].kind).toBe('event');
		expect(Object.keys(module).sort()).toEqual(['message', 'send']);
	});
});

describe('serverStamp', () => {
	it('writes route id and export name onto unregistered markers when the module runs', async () => {
		const source = `
			const made = (kind) => ({ '~liverpc': { kind } });
			export const send = made('call');
			const hidden = made('event');
			export { hidden as message };
			export const registered = { '~liverpc': { kind: 'call', route: 'other', name: 'kept' } };
		`;
		const code =
			source +
			serverStamp('lobby/chat', [
				{ name: 'send', local: 'send', kind: 'call' },
				{ name: 'message', local: 'hidden', kind: 'event' },
				{ name: 'registered', local: 'registered', kind: 'call' }
			]);
		const module = await import(`data:text/javascript,${encodeURIComponent(code)}`);
		expect(module.send['~liverpc']).toEqual({ kind: 'call', route: 'lobby/chat', name: 'send' });
		expect(module.message['~liverpc']).toEqual({ kind: 'event', route: 'lobby/chat', name: 'message' });
		expect(module.registered['~liverpc']).toEqual({ kind: 'call', route: 'other', name: 'kept' });
	});
});
