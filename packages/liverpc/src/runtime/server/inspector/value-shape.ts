/**
 * What the inspector shows of an app value (a connection's `locals`, a member, a presence
 * entry): always JSON, bounded in depth, keys, items and string length so that one large
 * value cannot stall the page, and, for `locals`, redacted by default: the keys are kept and
 * every value is replaced by its type, `{ user: { id: 'string', name: 'string' } }`. `locals`
 * may carry tokens or personal data that should not appear on a screen shared in a meeting;
 * the shape is what a developer debugging a hook needs most of the time.
 */

const MAX_DEPTH = 6;
const MAX_KEYS = 50;
const MAX_ITEMS = 20;
const MAX_STRING = 200;

/** `value` as JSON: values replaced by their type unless `reveal`. */
export function describeValue(value: unknown, reveal: boolean): unknown {
	return describe(value, reveal, 0, new Set());
}

function describe(value: unknown, reveal: boolean, depth: number, seen: Set<object>): unknown {
	if (value === null) return reveal ? null : 'null';
	switch (typeof value) {
		case 'string':
			return reveal ? (value.length > MAX_STRING ? `${value.slice(0, MAX_STRING)}…` : value) : 'string';
		case 'number':
		case 'boolean':
			return reveal ? value : typeof value;
		case 'bigint':
			return reveal ? `${value}n` : 'bigint';
		case 'undefined':
			return 'undefined';
		case 'function':
			return 'function';
		case 'symbol':
			return 'symbol';
	}
	const object = value as object;
	if (seen.has(object)) return '[circular]';
	if (depth >= MAX_DEPTH) return Array.isArray(object) ? `array(${object.length})` : 'object';
	if (object instanceof Date) return reveal ? (Number.isNaN(object.getTime()) ? 'Invalid Date' : object.toISOString()) : 'Date';
	if (object instanceof Map || object instanceof Set) return `${object.constructor.name}(${object.size})`;
	seen.add(object);
	try {
		if (Array.isArray(object)) {
			const items = object.slice(0, MAX_ITEMS).map((item) => describe(item, reveal, depth + 1, seen));
			if (object.length > MAX_ITEMS) items.push(`… ${object.length - MAX_ITEMS} more`);
			return items;
		}
		const prototype = Object.getPrototypeOf(object) as object | null;
		if (prototype !== Object.prototype && prototype !== null) {
			// A class instance (a database handle, a request): named, never walked.
			const name = (prototype as { constructor?: { name?: unknown } }).constructor?.name;
			return typeof name === 'string' && name ? name : 'object';
		}
		const shape: Record<string, unknown> = {};
		const keys = Object.keys(object);
		for (const key of keys.slice(0, MAX_KEYS)) {
			let field: unknown;
			try {
				field = (object as Record<string, unknown>)[key];
			} catch {
				field = undefined; // a throwing getter
			}
			shape[key] = describe(field, reveal, depth + 1, seen);
		}
		if (keys.length > MAX_KEYS) shape['…'] = `${keys.length - MAX_KEYS} more keys`;
		return shape;
	} finally {
		seen.delete(object);
	}
}
