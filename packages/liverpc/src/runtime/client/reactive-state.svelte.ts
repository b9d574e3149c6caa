/// <reference types="svelte" />
import type { MakeState } from './reactive-state.js';

/** `$state` for the client core: the reason `liverpc/client` is reactive in Svelte 5. */
export const runesState: MakeState = (initial) => {
	const state = $state(initial);
	return state;
};
