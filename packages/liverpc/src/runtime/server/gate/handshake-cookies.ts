import { parse } from 'cookie';

/**
 * Read-only cookies of a Socket.IO handshake, shaped like SvelteKit's `event.cookies`.
 *
 * @example
 * ```ts
 * handleSocket(({ cookies }) => ({ locals: { theme: cookies.get('theme') ?? 'light' } }));
 * ```
 */
export interface HandshakeCookies {
	/** The cookie's decoded value, or undefined when the browser sent none by that name. */
	get(name: string): string | undefined;
	/** Every cookie the handshake carried. */
	getAll(): Array<{ name: string; value: string }>;
}

/**
 * Parses the `Cookie` header on first use only: a hook that never reads a cookie pays
 * nothing for it. A class rather than closures, since one is made per handshake.
 */
export class HandshakeCookieJar implements HandshakeCookies {
	#header: string | undefined;
	#parsed: Record<string, string | undefined> | undefined;

	constructor(header: string | undefined) {
		this.#header = header;
	}

	get(name: string): string | undefined {
		const jar = this.#jar();
		return Object.hasOwn(jar, name) ? jar[name] : undefined;
	}

	getAll(): Array<{ name: string; value: string }> {
		return Object.entries(this.#jar()).flatMap(([name, value]) => (value === undefined ? [] : [{ name, value }]));
	}

	#jar(): Record<string, string | undefined> {
		return (this.#parsed ??= this.#header ? parse(this.#header) : {});
	}
}
