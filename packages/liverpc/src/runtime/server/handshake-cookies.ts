import { parse } from 'cookie';

/** Read-only cookies of a Socket.IO handshake, shaped like SvelteKit's `event.cookies`. */
export interface HandshakeCookies {
	/** The cookie's decoded value, or undefined when the browser sent none by that name. */
	get(name: string): string | undefined;
	/** Every cookie the handshake carried. */
	getAll(): Array<{ name: string; value: string }>;
}

/**
 * Parses the `Cookie` header on first use only: a hook that never reads a cookie pays
 * nothing for it on each handshake.
 */
export function readHandshakeCookies(header: string | undefined): HandshakeCookies {
	let parsed: Record<string, string | undefined> | undefined;
	const all = () => (parsed ??= header ? parse(header) : {});
	return {
		get: (name) => {
			const jar = all();
			return Object.hasOwn(jar, name) ? jar[name] : undefined;
		},
		getAll: () =>
			Object.entries(all()).flatMap(([name, value]) => (value === undefined ? [] : [{ name, value }]))
	};
}
