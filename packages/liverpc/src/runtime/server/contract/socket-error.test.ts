import { expect, it } from 'vitest';
import { error, isSocketError } from './socket-error.js';

it('throws an expected error carrying exactly { status, message }', () => {
	try {
		error(403, 'No');
	} catch (thrown) {
		expect(isSocketError(thrown)).toBe(true);
		expect((thrown as { body: unknown }).body).toEqual({ status: 403, message: 'No' });
		return;
	}
	throw new Error('error() returned');
});

it('refuses statuses that are not errors', () => {
	expect(() => error(200, 'ok')).toThrow(RangeError);
	expect(() => error(99.5, 'x')).toThrow(RangeError);
	expect(isSocketError(new Error('x'))).toBe(false);
});
