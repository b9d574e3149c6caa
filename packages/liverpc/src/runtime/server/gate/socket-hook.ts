import type { HandleSocketError } from '../contract/types.js';
import type { Socket } from 'socket.io';
import { clientAddress } from './client-address.js';
import { HandshakeCookieJar, type HandshakeCookies } from './handshake-cookies.js';
import type { ResolvedOptions } from '../options/live-options.js';
import { requestOrigin } from './origin-check.js';

type Handshake = Socket['handshake'];

/**
 * What the socket hook receives: the handshake, in SvelteKit's vocabulary.
 *
 * @example
 * ```ts
 * handleSocket(({ cookies, request, url, getClientAddress }) => ({
 *   locals: { session: cookies.get('session'), ip: getClientAddress(), agent: request.headers.get('user-agent') }
 * }));
 * ```
 */
export interface SocketHookInput {
	/** The handshake's cookies; `cookies.get('session')` is the usual start. */
	cookies: HandshakeCookies;
	/** The handshake as a Fetch `Request` (headers included), built only if you read it. */
	readonly request: Request;
	/** The handshake URL, e.g. `http://localhost:3000/_liverpc/?EIO=4&transport=websocket`. */
	readonly url: URL;
	/**
	 * The client's address, as adapter-node's `getClientAddress()` gives it: the remote
	 * address, or the proxy header named by `ADDRESS_HEADER` (`proxy.addressHeader`), for
	 * `x-forwarded-for` honouring `XFF_DEPTH`. Call it in the hook: afterwards the
	 * handshake's headers are gone.
	 */
	getClientAddress(): string;
}

/**
 * What the socket hook returns: the locals every handler of this connection will see, and
 * the keys it answers to across the app.
 *
 * @example
 * ```ts
 * const result: SocketHookResult = { locals: { user: session?.user }, keys: session ? [`user:${session.user.id}`] : [] };
 * ```
 */
export interface SocketHookResult {
	locals: App.SocketLocals;
	/**
	 * Names for this connection, such as `user:${id}` and `session:${id}`: `revoke(key)` ends
	 * every connection with that key, on every process, and a call is remembered (so a copy
	 * sent again after a reconnect runs once) only for the same client with the same keys.
	 * At most 64 strings of at most 256 characters.
	 */
	keys?: string[];
	/**
	 * Until when these locals hold, as a `Date` or epoch ms: usually the session's expiry.
	 * Then LiveRPC runs the hook again with the handshake's cookies, at the latest after
	 * the `localsMaxAge` option (default 5 minutes) when this is left out: still valid, the
	 * connection carries on with the new locals, unseen; refused, its rooms end with the
	 * refusal (the page shows it) and the connection closes.
	 *
	 * @example
	 * ```ts
	 * return { locals: { user: session.user }, expires: session.expiresAt };
	 * ```
	 */
	expires?: Date | number;
}

/**
 * The function made by {@link handleSocket}; pass it to `attach` or export it as `handle`.
 *
 * @example
 * ```ts
 * const handle: SocketHook = handleSocket(({ cookies }) => ({ locals: { user: lookUp(cookies.get('session')) } }));
 * attach(server, { handle, contracts });
 * ```
 */
export type SocketHook = (input: SocketHookInput) => SocketHookResult | Promise<SocketHookResult>;

/**
 * Declares the socket hook: it runs on every handshake (first connect, refresh and every
 * reconnect) and turns the handshake into trusted `locals`. Throw `error(401, …)` in it to
 * refuse the connection with that body.
 *
 * @example
 * ```ts
 * // src/hooks.socket.ts
 * import { handleSocket } from 'liverpc/server';
 * export const handle = handleSocket(async ({ cookies }) => {
 *   const sessionId = cookies.get('session');
 *   const session = sessionId ? await getSession(sessionId) : undefined;
 *   return { locals: { user: session?.user } };
 * });
 * ```
 */
export function handleSocket(hook: SocketHook): SocketHook {
	if (typeof hook !== 'function') {
		throw new TypeError('handleSocket() takes a function ({ cookies, request, url, getClientAddress }) => ({ locals })');
	}
	return hook;
}

/**
 * The hook's input for one handshake. `request` and `url` are built only when read, so the
 * common hook, which reads one cookie, allocates neither; and it is a class, with no
 * closures of its own, because one is made per handshake.
 */
export class HandshakeInput implements SocketHookInput {
	readonly cookies: HandshakeCookies;
	#handshake: Handshake;
	#url: URL | undefined;
	#request: Request | undefined;

	#options: ResolvedOptions;

	/** @param options the server's options: the app's origin and the trusted proxy headers */
	constructor(handshake: Handshake, options: ResolvedOptions) {
		this.#handshake = handshake;
		this.#options = options;
		this.cookies = new HandshakeCookieJar(handshake.headers.cookie);
	}

	get url(): URL {
		const handshake = this.#handshake;
		return (this.#url ??= new URL(handshake.url, requestOrigin(handshake.headers, handshake.secure, this.#options)));
	}

	get request(): Request {
		if (!this.#request) {
			const headers = new Headers();
			for (const [name, value] of Object.entries(this.#handshake.headers)) {
				if (Array.isArray(value)) for (const item of value) headers.append(name, item);
				else if (value !== undefined) headers.set(name, value);
			}
			this.#request = new Request(this.url, { headers });
		}
		return this.#request;
	}

	// An own arrow, not a method: hooks destructure it, as in SvelteKit's `({ getClientAddress })`.
	readonly getClientAddress = (): string => clientAddress(this.#handshake.headers, this.#handshake.address, this.#options.proxy);
}

/** Checks what a hook returned, so a typo shows up as a clear log line, not as `undefined` locals. */
export function assertHookResult(result: unknown): asserts result is SocketHookResult {
	if (
		typeof result !== 'object' ||
		result === null ||
		typeof (result as SocketHookResult).locals !== 'object' ||
		(result as SocketHookResult).locals === null
	) {
		throw new TypeError('The socket hook must return { locals: { … } }');
	}
}

/**
 * What `src/hooks.socket.ts` exports. The server reads these on every use, so the dev
 * server can swap them when the file is edited.
 *
 * @example
 * ```ts
 * const hooks: SocketHooks = await import('./hooks.socket.js');
 * ```
 */
export interface SocketHooks {
	handle?: SocketHook;
	handleError?: HandleSocketError;
}
