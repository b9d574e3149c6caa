// Type-level only: what a value becomes on its way from a `.socket.ts` handler to the page.
// Socket.IO sends JSON (binary parts apart), so a call's output, an event's payload and the
// join reply reach the browser as `JSON.parse(JSON.stringify(value))` would give them back.
// The page's types say that, rather than the server's declared types: a `Date` is a
// string there, a `Map` an empty object, and a field holding `undefined` is missing.

/** What JSON leaves out of an object, and turns into `null` in an array or as a whole value. */
type Dropped = undefined | symbol | ((...args: never[]) => unknown);

/** Binary parts, which Socket.IO sends as they are. */
type Binary = ArrayBuffer | ArrayBufferView;

type RequiredKeys<T> = {
	[K in keyof T]: K extends symbol ? never : undefined extends T[K] ? never : [Extract<T[K], Dropped>] extends [never] ? K : never;
}[keyof T] &
	(string | number);

type OptionalKeys<T> = {
	[K in keyof T]: K extends symbol ? never : [Exclude<T[K], Dropped>] extends [never] ? never : K extends RequiredKeys<T> ? never : K;
}[keyof T] &
	(string | number);

type WireObject<T> = { [K in RequiredKeys<T>]: WireValue<T[K]> } & { [K in OptionalKeys<T>]?: WireValue<Exclude<T[K], Dropped>> } extends infer O
	? { [K in keyof O]: O[K] }
	: never;

/**
 * The type a value of type `T` has once it has crossed the socket: what the page receives
 * from a call, an event or a join. `toJSON()` is applied (a `Date` becomes a `string`),
 * `Map`, `Set` and other objects without enumerable data become `{}`, fields holding
 * `undefined` or functions are left out, and `undefined` on its own or in an array becomes
 * `null`. A `bigint` cannot be sent at all (`JSON.stringify` throws), so it is `never`.
 *
 * @example
 * ```ts
 * type Sent = WireValue<{ at: Date; tags: Set<string>; note?: string }>;
 * // { at: string; tags: Record<string, never>; note?: string }
 * ```
 */
export type WireValue<T> = 0 extends 1 & T
	? any
	: T extends { toJSON(...args: never[]): infer R }
		? WireValue<R>
		: T extends bigint
			? never
			: T extends Dropped
				? null
				: T extends string | number | boolean | null
					? T
					: T extends Binary
						? T
						: T extends ReadonlyMap<unknown, unknown> | ReadonlySet<unknown> | WeakMap<object, unknown> | WeakSet<object>
							? Record<string, never>
							: T extends readonly unknown[]
								? { -readonly [K in keyof T]: WireValue<T[K]> }
								: T extends object
									? WireObject<T>
									: unknown;
