import type { ErrorBody } from '../shared/protocol.js';

// A brand rather than `instanceof` alone: in `vite dev` a contract may load this module
// through Vite's SSR graph while the runtime loaded it through Node, giving two classes.
const BRAND = Symbol.for('liverpc.SocketError');

/**
 * An expected error: its status and message go to the caller as they are.
 * Created by {@link error}; you rarely construct it yourself.
 *
 * @example
 * ```ts
 * throw new SocketError(409, 'That name is taken'); // same as error(409, 'That name is taken')
 * ```
 */
export class SocketError extends Error {
	readonly status: number;
	readonly body: ErrorBody;
	readonly [BRAND] = true;

	constructor(status: number, message: string) {
		super(message);
		this.name = 'SocketError';
		this.status = status;
		this.body = { status, message };
	}
}

/**
 * Stops the current hook, join or call with an expected error. The caller receives exactly
 * `{ status, message }`; nothing is logged and the connection stays open.
 *
 * @example
 * ```ts
 * export const enter = join(({ locals }) => {
 *   if (!locals.user) error(401, 'Sign in to chat');
 * });
 * ```
 * @param status an HTTP-like status from 400 to 599
 * @param message shown to the user as it is, so keep secrets out of it
 */
export function error(status: number, message: string): never {
	if (!Number.isInteger(status) || status < 400 || status > 599) {
		throw new RangeError(`error() takes a status from 400 to 599, got ${String(status)}`);
	}
	throw new SocketError(status, String(message));
}

/**
 * True for errors made by {@link error}, from any copy of this module.
 *
 * @example
 * ```ts
 * export const handleError: HandleSocketError = ({ error }) => {
 *   if (!isSocketError(error)) report(error); // expected errors never reach handleError anyway
 * };
 * ```
 */
export function isSocketError(value: unknown): value is SocketError {
	return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}
