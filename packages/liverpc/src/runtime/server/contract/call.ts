import { MARKER, type ContractIdentity } from '../../shared/contract-marker.js';
import { isJoin, type MemberOfJoin, type ParamsOfJoin, type RoomJoin } from './join.js';
import type { SchemaInput, SchemaOutput, StandardSchema } from './standard-schema.js';
import type { MemberEvent, RoomParams, SocketEvent } from './types.js';

/**
 * A call members of the room may make; see {@link call}. `Input`, `Output` and `Params` exist
 * for the typed client only.
 *
 * @example
 * ```ts
 * export const ping: RoomCall<void, string> = call(() => 'pong');
 * ```
 */
export interface RoomCall<Input = unknown, Output = unknown, Params extends object = RoomParams> {
	readonly [MARKER]: ContractIdentity<'call'>;
	readonly schema: StandardSchema | undefined;
	readonly handler: (input: any, event: any) => unknown;
	/** The join it was declared with, `call(enter, …)`: the contract must export that one. */
	readonly guard: RoomJoin<any, any, any> | undefined;
	/** Type carrier for `liverpc/client`; never set at runtime. */
	readonly '~types'?: { input: Input; output: Output; params: Params };
}

/**
 * The type of {@link call}: with `Params` fixed by `./$socket` for the contract's folder.
 *
 * @example
 * ```ts
 * const send: CallBuilder<{ roomId: string }> = call;
 * ```
 */
export interface CallBuilder<Params extends object = RoomParams> {
	<Guard extends RoomJoin<any, any, any>, Output>(
		guard: Guard,
		handler: (event: MemberEvent<ParamsOfJoin<Guard>, MemberOfJoin<Guard>>) => Output
	): RoomCall<void, Awaited<Output>, ParamsOfJoin<Guard>>;
	<Guard extends RoomJoin<any, any, any>, Schema extends StandardSchema, Output>(
		guard: Guard,
		schema: Schema,
		handler: (input: SchemaOutput<Schema>, event: MemberEvent<ParamsOfJoin<Guard>, MemberOfJoin<Guard>>) => Output
	): RoomCall<SchemaInput<Schema>, Awaited<Output>, ParamsOfJoin<Guard>>;
	<Output>(handler: (event: SocketEvent<Params>) => Output): RoomCall<void, Awaited<Output>, Params>;
	<Schema extends StandardSchema, Output>(
		schema: Schema,
		handler: (input: SchemaOutput<Schema>, event: SocketEvent<Params>) => Output
	): RoomCall<SchemaInput<Schema>, Awaited<Output>, Params>;
}

/**
 * Declares a call members of the room may make. With a Standard Schema (valibot, zod, …)
 * the input is validated first and a failure answers 400 with the issues; without one the
 * call takes no input. The reply is sent only after the handler has finished.
 *
 * Give the room's join first, `call(enter, …)`, and the handler reads `event.member`: what
 * the guard passed to `admit({ member })`, typed, so it does not check `locals` again.
 *
 * @example
 * ```ts
 * export const send = call(v.object({ text: v.string() }), async ({ text }, { params, locals }) => {
 *   const saved = await messages.add(params.roomId, locals.user!.id, text);
 *   message.emit(saved);
 *   return saved;
 * });
 * export const ping = call(() => 'pong');
 * export const rename = call(enter, v.string(), (name, { member }) => profiles.rename(member.user.id, name));
 * ```
 */
export const call: CallBuilder = function call(...args: unknown[]): RoomCall {
	const guard = isJoin(args[0]) ? (args.shift() as RoomJoin) : undefined;
	const [schemaOrHandler, maybeHandler] = args as [unknown, unknown];
	if (typeof schemaOrHandler === 'function') {
		const handler = schemaOrHandler as (event: unknown) => unknown;
		return { [MARKER]: { kind: 'call' }, schema: undefined, guard, handler: (_input: unknown, event: unknown) => handler(event) };
	}
	const schema = schemaOrHandler as StandardSchema | undefined;
	if (!schema || typeof schema['~standard']?.validate !== 'function') {
		throw new TypeError('call() takes a Standard Schema (valibot, zod, …) and a handler, or a handler alone, after the join when it needs the member');
	}
	if (typeof maybeHandler !== 'function') throw new TypeError('call(schema, handler): the handler is missing');
	return { [MARKER]: { kind: 'call' }, schema, guard, handler: maybeHandler as RoomCall['handler'] };
} as CallBuilder;
