// Dev-time advice on what `src/hooks.socket.ts` returns as `locals`. The tutorial's rule
// is to return only what handlers need: plain data, kept for the whole life of a connection.
// A database handle, a request object or a class instance kept there lives as long as the tab
// stays open, and a large object is held once per connection. `vite dev` says so once per
// problem; production does not look.

/** Over this many bytes of JSON, `locals` are called large. */
export const LARGE_LOCALS_BYTES = 16 * 1024;

/** Where `locals` stop being plain data, e.g. `locals.db is a Database`, or undefined. */
export function notPlainData(value: unknown, path = 'locals', depth = 0): string | undefined {
	if (value === null || value === undefined || typeof value === 'string' || typeof value === 'boolean' || typeof value === 'number') return undefined;
	if (typeof value === 'function') return `${path} is a function`;
	if (typeof value !== 'object') return `${path} is a ${typeof value}`;
	if (depth > 20) return `${path} nests more than 20 levels deep`;
	if (Array.isArray(value)) {
		for (let index = 0; index < value.length; index++) {
			const found = notPlainData(value[index], `${path}[${index}]`, depth + 1);
			if (found) return found;
		}
		return undefined;
	}
	const prototype = Object.getPrototypeOf(value) as object | null;
	if (prototype !== Object.prototype && prototype !== null) {
		const name = (prototype as { constructor?: { name?: unknown } }).constructor?.name;
		return `${path} is ${typeof name === 'string' && name ? `a ${name}` : 'not a plain object'}`;
	}
	for (const [key, field] of Object.entries(value)) {
		const found = notPlainData(field, `${path}.${key}`, depth + 1);
		if (found) return found;
	}
	return undefined;
}

/**
 * A check of each handshake's `locals` that warns once per distinct problem.
 *
 * @param warn where the advice goes (Vite's logger in `vite dev`)
 */
export function createLocalsAdvice(warn: (message: string) => void): (locals: App.SocketLocals) => void {
	const given = new Set<string>();
	const once = (message: string) => {
		if (given.has(message)) return;
		given.add(message);
		warn(message);
	};
	return (locals) => {
		const problem = notPlainData(locals);
		if (problem) {
			once(
				`[liverpc] src/hooks.socket.ts: ${problem}. Return only plain data the handlers need (ids, names, roles): locals live as long as the connection, and a handle or instance kept there does too.`
			);
			return;
		}
		const bytes = Buffer.byteLength(JSON.stringify(locals));
		if (bytes > LARGE_LOCALS_BYTES) {
			once(
				`[liverpc] src/hooks.socket.ts: locals are ${Math.round(bytes / 1024)} KB of JSON, held once per connection. Return only what the handlers need.`
			);
		}
	};
}
