import { describe, expect, it } from 'vitest';
import { call } from './call.js';
import { registerContracts } from './contract-registry.js';

describe('a call named like a member of the room handle', () => {
	it.each(['status', 'error', 'joined', 'resumed', 'presence', 'on', 'leave', 'then', 'received', 'next'])('is refused at startup: %s', (name) => {
		expect(() => registerContracts({ 'lobby/chat': { [name]: call(() => 1) } })).toThrow(
			`Room 'lobby/chat': a call cannot be named '${name}', the room handle already uses that name`
		);
	});

	it('is fine under any other name', () => {
		expect(registerContracts({ 'lobby/chat': { send: call(() => 1) } }).get('lobby/chat')?.calls.has('send')).toBe(true);
	});
});
