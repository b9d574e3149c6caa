import type { MakeState } from './reactive-state.js';
import { ROOM_FEED, roomFeedOf, type RoomFeedListener } from './room-feed.js';

/**
 * The newest payload of one event of a room: reactive in Svelte (its `value` is `$state`),
 * a plain property elsewhere. Undefined until the first one arrives (the join's events
 * count), and again after a re-join that could not give every missed event
 * (`room.resumed === false`) until that join, or a later event, brings one. It follows one
 * room: for another room, make another (`$derived` does).
 *
 * @example
 * ```svelte
 * <script lang="ts">
 *   const topic = $derived(liveValue(room, 'topic'));
 * </script>
 * <h2>{topic.value?.text ?? 'No topic yet'}</h2>
 * ```
 */
export interface LiveValue<T> {
	/** The newest payload, or undefined before any. */
	readonly value: T | undefined;
	/** Stops following the room (leaving the room, or the owning component going, does it too); `value` stays. */
	stop(): void;
}

/** Makes a {@link LiveValue} of event `event` of `room`; the entries' `liveValue` call it. */
export function createLiveValue<T>(makeState: MakeState, room: unknown, event: string): LiveValue<T> {
	const feed = roomFeedOf(room, 'liveValue');
	const state = makeState({ value: undefined as T | undefined });
	/** Since a join that did not resume: its events count, those seen before included. */
	let rebuilding = false;
	const follower: RoomFeedListener = {
		joined(resumed, continued) {
			// A newer one may have been missed (unless the join's events of it carry on from what
			// the room had): the value is not known to be the newest any more.
			rebuilding = !resumed && !continued.has(event);
			if (rebuilding) state.value = undefined;
		},
		event(name, payload, seen) {
			if (name === event && (!seen || rebuilding)) state.value = payload as T;
		}
	};
	const stop = feed[ROOM_FEED](follower);
	return {
		get value() {
			return state.value;
		},
		stop
	};
}
