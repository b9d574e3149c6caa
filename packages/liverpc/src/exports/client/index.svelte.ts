// Public entry `liverpc/client` as Svelte apps resolve it (`svelte` export condition):
// the names of `./index.ts`, with `$state`-backed status and leave-on-destroy.
import { getAbortSignal, onDestroy, untrack } from 'svelte';
import { clientEntry } from '../../runtime/client/client-entry.js';
import type { ClientOptions, LiveClient } from '../../runtime/client/live-client.js';
import type { LiveList, LiveListOptions, PagedLiveList } from '../../runtime/client/live-list.js';
import type { LiveValue } from '../../runtime/client/live-value.js';
import { runesState } from '../../runtime/client/reactive-state.svelte.js';
import type { ContractModuleCheck, LiveSource, Room, RoomWithEvents, RoomWithHistory } from '../../runtime/client/room-types.js';

export * from '../../runtime/client/client-exports.js';

const entry = clientEntry(runesState, (open, end) => {
	const opened = untrack(open);
	endWithOwner(() => end(opened));
	return opened;
});

/**
 * See `live` in `./index.ts`. Here the room is also left by itself: inside `$derived` or
 * `$effect`, when that re-runs (new params: the old room is left, the new one joined) or is
 * destroyed; in a component's script, when the component is destroyed.
 *
 * @example
 * ```svelte
 * <script lang="ts">
 *   const room = $derived(live(chat, { roomId: page.params.roomId }));
 *   // or, continuing what the page's load read with loadRoom():
 *   const rendered = $derived(live(chat, data.chat));
 * </script>
 * ```
 */
export function live<M extends object>(contract: M & NoInfer<ContractModuleCheck<M>>, ...[given]: LiveSource<M>): Room<M> {
	// Inside `$derived`, only the params (or the rendered room) are what the room depends on:
	// they are read here, and the room is opened untracked (see `entry`), or the tab's
	// connection status (read while opening the room) would make every status change leave
	// the room and join it again.
	const source = (given ? { ...given } : undefined) as LiveSource<M>[0];
	return entry.live<M>(contract, ...([source] as LiveSource<M>));
}

/**
 * See `liveList` in `./index.ts`. Here `items` (and `hasEarlier`, `loadingEarlier`) are
 * `$state`, and the list stops following its room when the `$derived` or `$effect` that
 * made it re-runs (a new room: a new list) or goes, or when the component that made it is
 * destroyed.
 *
 * @example
 * ```svelte
 * <script lang="ts">
 *   const messages = $derived(liveList(room, 'message', { key: (m) => m.id, match: (m) => m.key }));
 *   // Shown at once, greyed while pending, replaced by its event, gone if the call fails.
 *   const send = (text: string, key = crypto.randomUUID()) =>
 *     messages.optimistic({ id: Infinity, text, key }, room.send({ text, key }));
 * </script>
 * {#each messages.items as m (m.key ?? m.id)}
 *   <p class:pending={messages.isPending(m)}>{m.text}</p>
 * {/each}
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
 * See `liveValue` in `./index.ts`. Here `value` is `$state`, and it stops following its
 * room as `liveList` does.
 *
 * @example
 * ```svelte
 * <script lang="ts">
 *   const topic = $derived(liveValue(room, 'topic'));
 * </script>
 * <h2>{topic.value?.text}</h2>
 * ```
 */
export function liveValue<Events, E extends keyof Events & string>(room: RoomWithEvents<Events>, event: E): LiveValue<Events[E]> {
	return entry.liveValue(room, event);
}

/**
 * Ends what `live()`, `liveList()` or `liveValue()` opened when whatever called it goes: a
 * reaction that re-runs, or a component.
 */
function endWithOwner(end: () => void): void {
	let signal: AbortSignal | undefined;
	try {
		signal = getAbortSignal(); // inside $derived or $effect
	} catch {
		// Not in a reaction.
	}
	if (signal) {
		signal.addEventListener('abort', end, { once: true });
		return;
	}
	try {
		onDestroy(end);
	} catch {
		// Neither (a module, an event handler): the caller leaves.
	}
}

/** See `getClient` in `./index.ts`. */
export function getClient(): LiveClient {
	return entry.getClient();
}

/** See `createClient` in `./index.ts`; its state is reactive too. */
export function createClient(options: ClientOptions = {}): LiveClient {
	return entry.createClient(options);
}
