// Public entry `liverpc/client` for plain JavaScript (Node scripts, tests). Svelte apps
// resolve `./index.svelte.ts` instead, through the `svelte` export condition: same names,
// with reactive state and leave-on-destroy.
import { clientEntry } from '../../runtime/client/client-entry.js';
import type { ClientOptions, LiveClient } from '../../runtime/client/live-client.js';
import { plainState } from '../../runtime/client/reactive-state.js';
import type { ContractModuleCheck, LiveParams, Room } from '../../runtime/client/room-types.js';

export * from '../../runtime/client/client-exports.js';

const entry = clientEntry(plainState);

/**
 * Opens a room of a contract on the tab's shared connection: joins it now, re-joins it
 * after every reconnect, and gives one typed method per call and `on()` per event.
 * In a Svelte component the room is left when the component is destroyed.
 *
 * @example
 * ```svelte
 * <script lang="ts">
 *   import { live } from 'liverpc/client';
 *   import * as chat from './chat.socket';
 *   const room = live(chat, { roomId: page.params.roomId });
 *   room.on('message', (m) => messages.push(m));
 * </script>
 * {#if room.status === 'rejected'}<p>{room.error?.message}</p>{/if}
 * ```
 */
export function live<M extends object>(contract: M & NoInfer<ContractModuleCheck<M>>, ...[params]: LiveParams<M>): Room<M> {
	return entry.live<M>(contract, ...([params] as LiveParams<M>));
}

/**
 * The tab's shared connection: read `status` and `error`, or `reconnect()` after sign-in
 * or sign-out so the socket hook sees the new cookie.
 *
 * @example
 * ```ts
 * import { getClient } from 'liverpc/client';
 * await fetch('/logout', { method: 'POST' });
 * getClient().reconnect();
 * ```
 */
export function getClient(): LiveClient {
	return entry.getClient();
}

/**
 * A connection of its own, for Node scripts and tests (or a second server in a page).
 * Its rooms come from `client.live()`.
 *
 * @example
 * ```ts
 * const client = createClient({ url: 'http://127.0.0.1:3000', headers: { cookie: 'session=abc' } });
 * const room = client.live(chat, { roomId: '42' });
 * await room.send({ text: 'hi' });
 * client.close();
 * ```
 */
export function createClient(options: ClientOptions = {}): LiveClient {
	return entry.createClient(options);
}
