import { MARKER, type ContractIdentity } from '../shared/contract-marker.js';
import type { SchemaInput, SchemaOutput, StandardSchema } from './standard-schema.js';
import type { SocketEvent } from './types.js';

/**
 * A call members of the room may make; see {@link call}. `Input` and `Output` exist for
 * the typed client only.
 *
 * @example
 * ```ts
 * export const ping: RoomCall<void, string> = call(() => 'pong');
 * ```
 */
export interface RoomCall<Input = unknown, Output = unknown> {
	readonly [MARKER]: ContractIdentity<'call'>;
	readonly schema: StandardSchema | undefined;
	readonly handler: (input: any, event: SocketEvent) => unknown;
	/** Type carrier for `liverpc/client`; never set at runtime. */
	readonly '~types'?: { input: Input; output: Output };
}

/**
 * Declares a call members of the room may make. With a Standard Schema (valibot, zod, …)
 * the input is validated first and a failure answers 400 with the issues; without one the
 * call takes no input. The reply is sent only after the handler has finished.
 *
 * @example
 * ```ts
 * export const send = call(v.object({ text: v.string() }), async ({ text }, { params, locals }) => {
 *   const saved = await messages.add(params.roomId, locals.user!.id, text);
 *   message.emit(saved);
 *   return saved;
 * });
 * export const ping = call(() => 'pong');
 * ```
 */
export function call<Output>(handler: (event: SocketEvent) => Output): RoomCall<void, Awaited<Output>>;
export function call<Schema extends StandardSchema, Output>(
	schema: Schema,
	handler: (input: SchemaOutput<Schema>, event: SocketEvent) => Output
): RoomCall<SchemaInput<Schema>, Awaited<Output>>;
export function call(
	schemaOrHandler: StandardSchema | ((event: SocketEvent) => unknown),
	maybeHandler?: (input: unknown, event: SocketEvent) => unknown
): RoomCall {
	if (typeof schemaOrHandler === 'function') {
		const handler = schemaOrHandler;
		return { [MARKER]: { kind: 'call' }, schema: undefined, handler: (_input, event) => handler(event) };
	}
	if (!schemaOrHandler || typeof schemaOrHandler['~standard']?.validate !== 'function') {
		throw new TypeError('call() takes a Standard Schema (valibot, zod, …) and a handler, or a handler alone');
	}
	if (typeof maybeHandler !== 'function') throw new TypeError('call(schema, handler): the handler is missing');
	return { [MARKER]: { kind: 'call' }, schema: schemaOrHandler, handler: maybeHandler };
}
