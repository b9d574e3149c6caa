import type { RoomParams } from './types.js';

/**
 * A room contract's route id in SvelteKit's segment syntax, compiled once at startup:
 * `[param]`, `[...rest]`, `[[optional]]`, and `(group)` segments that do not appear in the
 * room name. `rooms/[roomId]/chat` with `{ roomId: '42' }` names the room `rooms/42/chat`.
 */
export interface RoutePattern {
	id: string;
	/** Param names in route order. */
	params: string[];
	/**
	 * Checks untrusted params and builds the room name. Returns a message instead of
	 * throwing so the caller decides the status.
	 */
	resolve(params: unknown): { room: string; params: RoomParams } | { problem: string };
}

type Part = { static: string } | { param: string };
type Segment =
	| { kind: 'parts'; parts: Part[] }
	| { kind: 'optional'; param: string }
	| { kind: 'rest'; param: string };

// Longer values are refused: a param becomes part of a Socket.IO room name held in memory
// for every member and sent with every event.
const MAX_PARAM_LENGTH = 256;
const PARAM_NAME = /^[A-Za-z_$][\w$]*$/;

/**
 * Compiles a route id. Throws on syntax SvelteKit would also refuse, and on param matchers
 * (`[id=integer]`), which rooms do not support yet.
 */
export function compileRoutePattern(id: string): RoutePattern {
	if (id.startsWith('/') || id.endsWith('/')) {
		throw new Error(`Room route id '${id}' must not start or end with '/' (write 'rooms/[roomId]/chat')`);
	}
	if (id.includes('#')) throw new Error(`Room route id '${id}' must not contain '#'`);
	const segments: Segment[] = [];
	const names: string[] = [];
	const claim = (name: string) => {
		if (name.includes('=')) throw new Error(`Room route '${id}': param matchers like [${name}] are not supported`);
		if (!PARAM_NAME.test(name) || name === '__proto__') throw new Error(`Room route '${id}': '${name}' is not a valid param name`);
		if (names.includes(name)) throw new Error(`Room route '${id}': param '${name}' appears twice`);
		names.push(name);
		return name;
	};

	for (const text of id.split('/')) {
		if (text === '') throw new Error(`Room route id '${id}' has an empty segment`);
		if (/^\(.+\)$/.test(text)) continue; // a layout group: not part of the room name
		const optional = /^\[\[([^\]]+)\]\]$/.exec(text);
		if (optional) {
			segments.push({ kind: 'optional', param: claim(optional[1]!) });
			continue;
		}
		const rest = /^\[\.\.\.([^\]]+)\]$/.exec(text);
		if (rest) {
			segments.push({ kind: 'rest', param: claim(rest[1]!) });
			continue;
		}
		const parts: Part[] = [];
		for (const piece of text.split(/(\[[^\]]*\])/)) {
			if (piece === '') continue;
			if (piece.startsWith('[') && piece.endsWith(']')) {
				const name = piece.slice(1, -1);
				if (name.startsWith('...') || name.startsWith('[')) {
					throw new Error(`Room route '${id}': '${piece}' must be a whole segment`);
				}
				parts.push({ param: claim(name) });
			} else if (/[[\]]/.test(piece)) {
				throw new Error(`Room route '${id}': unbalanced brackets in '${text}'`);
			} else {
				parts.push({ static: piece });
			}
		}
		segments.push({ kind: 'parts', parts });
	}

	return {
		id,
		params: names,
		resolve(input) {
			if (typeof input !== 'object' || input === null || Array.isArray(input)) {
				return { problem: 'params must be an object' };
			}
			const given = input as Record<string, unknown>;
			for (const key of Object.keys(given)) {
				// The key came from the client: say what the route takes instead of repeating it.
				if (!names.includes(key)) return { problem: `an unknown param (the route takes ${names.length ? names.map((name) => `'${name}'`).join(', ') : 'none'})` };
			}
			// Keys come only from the route, never from the payload (and `__proto__` cannot be a
			// param name), so a plain object is safe; it is also a tenth of a null-prototype
			// one's size, which counts once per member.
			const params: RoomParams = {};
			const out: string[] = [];
			for (const segment of segments) {
				if (segment.kind === 'parts') {
					let text = '';
					for (const part of segment.parts) {
						if ('static' in part) {
							text += part.static;
							continue;
						}
						const value = given[part.param];
						const problem = checkValue(part.param, value, { required: true, slashes: false });
						if (problem) return { problem };
						params[part.param] = value as string;
						text += value as string;
					}
					out.push(text);
				} else {
					const value = given[segment.param] ?? '';
					const problem = checkValue(segment.param, value, {
						required: false,
						slashes: segment.kind === 'rest'
					});
					if (problem) return { problem };
					params[segment.param] = value as string;
					if (value !== '') out.push(value as string);
				}
			}
			return { room: out.join('/'), params };
		}
	};
}

function checkValue(
	name: string,
	value: unknown,
	rule: { required: boolean; slashes: boolean }
): string | undefined {
	if (typeof value !== 'string') return `param '${name}' must be a string`;
	if (rule.required && value === '') return `param '${name}' must not be empty`;
	if (value.length > MAX_PARAM_LENGTH) return `param '${name}' is longer than ${MAX_PARAM_LENGTH} characters`;
	if (!rule.slashes && value.includes('/')) return `param '${name}' must not contain '/'`;
	if (rule.slashes && value !== '' && value.split('/').some((piece) => piece === '')) {
		return `param '${name}' must not have empty segments`;
	}
	// Control characters have no place in a room name and hide in logs.
	if (/[\u0000-\u001f\u007f]/.test(value)) return `param '${name}' contains control characters`;
	return undefined;
}
