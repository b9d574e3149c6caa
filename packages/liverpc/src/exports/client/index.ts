// Public entry `liverpc/client` for plain JavaScript (Node scripts, tests). Svelte apps
// resolve `./index.svelte.ts` instead, through the `svelte` export condition: same names,
// with reactive state and leave-on-destroy.
import { clientEntry } from '../../runtime/client/client-entry.js';
import type { ClientOptions, LiveClient } from '../../runtime/client/live-client.js';
import type { LiveList, LiveListOptions, PagedLiveList } from '../../runtime/client/live-list.js';
import type { LiveValue } from '../../runtime/client/live-value.js';
import { plainState } from '../../runtime/client/reactive-state.js';
import type { ContractModuleCheck, LiveSource, Room, RoomWithEvents, RoomWithHistory } from '../../runtime/client/room-types.js';

export * from '../../runtime/client/client-exports.js';

const entry = clientEntry(plainState);

/**
 * Opens a room of a contract on the tab's shared connection: joins it now, re-joins it
 * after every reconnect, and gives one typed method per call and `on()` per event.
 * In a Svelte component the room is left when the component is destroyed.
 *
 * In place of the params, give the room a page's `load` read with `loadRoom()` (from
 * `liverpc/server`): the page renders its join reply and events on the server, and the
 * browser joins from exactly where that render stopped, so nothing is shown twice or missed.
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
 *
 * @example
 * ```svelte
 * <!-- +page.svelte, with `export const load = async (event) => ({ chat: await loadRoom(chat, event) })` -->
 * <script lang="ts">
 *   let { data } = $props();
 *   const room = $derived(live(chat, data.chat));
 *   const messages = $derived(liveList(room, 'message', { key: (m) => m.id }));
 * </script>
 * ```
 */
export function live<M extends object>(contract: M & NoInfer<ContractModuleCheck<M>>, ...source: LiveSource<M>): Room<M> {
	return entry.live<M>(contract, ...source);
}

/**
 * A room's events of one kind as a list for the page: the join's events (the room's
 * `history`), then each live one, each once and in order. With `key`, an event of a listed
 * key replaces that item and `remove` names events that take one out; `order` keeps it
 * sorted; `limit` keeps the latest N. After a re-join that could not give every missed
 * event (`room.resumed === false`) it starts again from that join's events, unless they
 * carry on from what it has (they hold an event it has). One made after the room was joined
 * starts from the room's recent events (the last join's and the live ones since). In Svelte its
 * `items` is `$state`, and inside `$derived` a new room gives a new list. With `match` (the
 * idempotency key an item carries), `list.optimistic(item, call)` lists an item at once:
 * the event with its key replaces it, and a call that fails first takes it out.
 *
 * For an event declared with `id` and `history` it is a `PagedLiveList`: `loadEarlier()`
 * lists the page of events before its first item in front, from that history, with
 * `hasEarlier` and `loadingEarlier` to show a "Load earlier messages" button with.
 *
 * @example
 * ```svelte
 * <script lang="ts">
 *   import { live, liveList } from 'liverpc/client';
 *   import * as chat from './chat.socket';
 *   const room = $derived(live(chat, { roomId: page.params.roomId }));
 *   const messages = $derived(
 *     liveList(room, 'message', { key: (m) => m.id, remove: { deleted: (d) => d.id }, limit: 200 })
 *   );
 * </script>
 * {#if messages.hasEarlier}<button onclick={() => messages.loadEarlier()}>Load earlier messages</button>{/if}
 * {#each messages.items as m (m.id)}<p>{m.text}</p>{/each}
 * ```
 *
 * @example
 * ```ts
 * const messages = liveList(room, 'message', { key: (m) => m.id, match: (m) => m.key });
 * const key = crypto.randomUUID();
 * await messages.optimistic({ id: Infinity, text, key }, room.send({ text, key }));
 * ```
 */
export function liveList<Events, E extends keyof Events & string, K = never>(
	room: RoomWithHistory<Events, E>,
	event: E,
	options?: LiveListOptions<Events, E, K>
): PagedLiveList<Events[E]>;
export function liveList<Events, E extends keyof Events & string, K = never>(
	room: RoomWithEvents<Events>,
	event: E,
	options?: LiveListOptions<Events, E, K>
): LiveList<Events[E]>;
export function liveList<Events, E extends keyof Events & string, K = never>(
	room: RoomWithEvents<Events>,
	event: E,
	options?: LiveListOptions<Events, E, K>
): LiveList<Events[E]> {
	return entry.liveList(room, event, options);
}

/**
 * The newest payload of one of a room's events, the join's events included; undefined
 * before any, and after a re-join that could not give every missed event until one comes.
 * In Svelte its `value` is `$state`, and inside `$derived` a new room gives a new one.
 *
 * @example
 * ```svelte
 * <script lang="ts">
 *   import { live, liveValue } from 'liverpc/client';
 *   import * as board from './board.socket';
 *   const room = live(board);
 *   const score = liveValue(room, 'score');
 * </script>
 * <p>{score.value?.home ?? 0} : {score.value?.away ?? 0}</p>
 * ```
 */
export function liveValue<Events, E extends keyof Events & string>(room: RoomWithEvents<Events>, event: E): LiveValue<Events[E]> {
	return entry.liveValue(room, event);
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
