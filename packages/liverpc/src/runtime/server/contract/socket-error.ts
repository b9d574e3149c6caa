import type { ErrorBody } from '../../shared/protocol.js';

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

/**
 * The body of an expected error: ours, or SvelteKit's `HttpError` from `error()` of
 * `@sveltejs/kit`, which editors auto-import as readily as ours. Kit's class is
 * recognised by its shape (own `status` and `body`, nothing else), not by `instanceof`:
 * the app's bundle has its own copy of kit, and names do not survive minification.
 * Undefined for anything else, which is then an unexpected error.
 */
export function expectedErrorBody(thrown: unknown): ErrorBody | undefined {
	if (isSocketError(thrown)) return thrown.body;
	if (typeof thrown !== 'object' || thrown === null || thrown instanceof Error) return undefined;
	const { status, body } = thrown as { status?: unknown; body?: unknown };
	const keys = Object.keys(thrown);
	if (keys.length !== 2 || !keys.includes('status') || !keys.includes('body')) return undefined;
	if (typeof status !== 'number' || !Number.isInteger(status) || status < 400 || status > 599) return undefined;
	if (typeof body !== 'object' || body === null || typeof (body as { message?: unknown }).message !== 'string') return undefined;
	// App.Error may carry more fields (a code, say); they were written by the app, not the client.
	return { ...(body as Record<string, unknown>), status, message: (body as { message: string }).message };
}
