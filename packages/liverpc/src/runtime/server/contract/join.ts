import { MARKER, type ContractIdentity } from '../../shared/contract-marker.js';
import type { RoomParams, SocketEvent } from './types.js';

const ADMISSION = Symbol.for('liverpc.admission');

/**
 * What a join guard returns through {@link admit}: the join reply the page reads, and the
 * member context the room's `call(enter, …)` handlers read as `event.member`.
 *
 * @example
 * ```ts
 * const admitted: Admission<{ user: User }, { name: string }> = admit({ member: { user }, reply: { name } });
 * ```
 */
export interface Admission<Member, Reply> {
	readonly [ADMISSION]: true;
	readonly member: Member;
	readonly reply: Reply;
}

/**
 * Admits the joining connection with a member context, for the room's calls declared with
 * this join (`call(enter, …)`): they read it as `event.member`, typed, so what the guard
 * checked (say, that the user is signed in) is not checked again in every call. `reply` is
 * the join reply (`room.joined` on the page); the member context stays on the server.
 *
 * @example
 * ```ts
 * export const enter = join(({ params, locals }) => {
 *   if (!locals.user) error(401, 'Sign in to chat');
 *   return admit({ member: { user: locals.user }, reply: { name: rooms.get(params.roomId).name } });
 * });
 * export const send = call(enter, sendInput, ({ text }, { member }) => messages.add(member.user, text));
 * ```
 */
export function admit<Member, Reply = undefined>(admission: { member: Member; reply?: Reply }): Admission<Member, Reply> {
	if (typeof admission !== 'object' || admission === null) throw new TypeError('admit() takes { member, reply }');
	return { [ADMISSION]: true, member: admission.member, reply: admission.reply as Reply };
}

/** Whether a join guard's result came from {@link admit}. */
export function isAdmission(value: unknown): value is Admission<unknown, unknown> {
	return typeof value === 'object' && value !== null && (value as { [ADMISSION]?: unknown })[ADMISSION] === true;
}

/** The params a join was declared for, for builders declared with it (`call(enter, …)`). */
export type ParamsOfJoin<J> = J extends RoomJoin<any, infer Params, any> ? Params : RoomParams;
/** What a join admits its members with, for builders declared with it. */
export type MemberOfJoin<J> = J extends RoomJoin<any, any, infer Member> ? Member : never;

/** Whether a builder's first argument is a join export (`call(enter, …)`, `presence(enter, …)`). */
export function isJoin(value: unknown): boolean {
	return typeof value === 'object' && value !== null && (value as { [MARKER]?: { kind?: unknown } })[MARKER]?.kind === 'join';
}

// A guard may admit in one branch and return a plain reply in another.
type ReplyOf<Result> = Result extends Admission<any, infer Reply> ? Reply : Result;
type MemberOf<Result> = Result extends Admission<infer Member, any> ? Member : undefined;

/**
 * The join guard of a room contract; see {@link join}.
 *
 * @example
 * ```ts
 * export const enter: RoomJoin<{ topic: string }> = join(() => ({ topic: 'General' }));
 * ```
 */
export interface RoomJoin<Reply = unknown, Params extends object = RoomParams, Member = unknown> {
	readonly [MARKER]: ContractIdentity<'join'>;
	readonly handler: (event: SocketEvent<any>) => unknown;
	/** Type carrier for `liverpc/client` and `call(enter, …)`; never set at runtime. */
	readonly '~types'?: { reply: Reply; params: Params; member: Member };
}

/**
 * The type of {@link join}: with `Params` fixed by `./$socket` for the contract's folder.
 *
 * @example
 * ```ts
 * const guard: JoinBuilder<{ roomId: string }> = join;
 * ```
 */
export type JoinBuilder<Params extends object = RoomParams> = <Result>(
	handler: (event: SocketEvent<Params>) => Result
) => RoomJoin<ReplyOf<Awaited<Result>>, Params, MemberOf<Awaited<Result>>>;

/**
 * Declares who may join the room. It runs on every join and every re-join after a
 * reconnect, with that connection's `locals`; throw `error(401 | 403 | 404, …)` to refuse.
 * What it returns is the join reply the page reads as `room.joined`: what describes the
 * room. Past events belong in an event's `history`, which reaches the page exactly once
 * (see `event`). Return {@link admit}`({ member, reply })` to hand the room's calls a member
 * context as well. A contract without a `join` export lets every connection in.
 *
 * @example
 * ```ts
 * export const enter = join(async ({ params, locals }) => {
 *   if (!locals.user) error(401, 'Sign in to chat');
 *   const room = await rooms.get(params.roomId);
 *   if (!room) error(404, 'No such room');
 *   return { name: room.name };
 * });
 * ```
 */
export const join: JoinBuilder = function join(handler: (event: SocketEvent) => unknown) {
	if (typeof handler !== 'function') throw new TypeError('join() takes a handler function');
	return { [MARKER]: { kind: 'join' }, handler } as RoomJoin<any, any, any>;
};
