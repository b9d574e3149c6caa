import { AsyncLocalStorage } from 'node:async_hooks';
import type { SocketEvent } from './types.js';

/**
 * Holds the event of the join or call being served, across every `await` in it.
 * One per process, kept on `globalThis`: in `vite dev` a contract may import this module
 * through Vite's SSR graph while the runtime imported it through Node, and both copies
 * must see the same store.
 */
export const socketEventStorage: AsyncLocalStorage<SocketEvent> = ((globalThis as Record<symbol, unknown>)[
	Symbol.for('liverpc.socketEventStorage')
] ??= new AsyncLocalStorage<SocketEvent>()) as AsyncLocalStorage<SocketEvent>;

/**
 * The {@link SocketEvent} of the join or call being served, for code called from a handler
 * that was not handed the event (a `$lib/server` helper, a logger). Throws elsewhere.
 *
 * @example
 * ```ts
 * import { getSocketEvent } from 'liverpc/server';
 * export function currentUserId() {
 *   return getSocketEvent().locals.user?.id;
 * }
 * ```
 */
export function getSocketEvent(): SocketEvent {
	const event = socketEventStorage.getStore();
	if (!event) throw new Error('getSocketEvent() was called outside a join or call handler');
	return event;
}
