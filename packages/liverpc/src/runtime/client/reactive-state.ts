/**
 * Makes the object a room or connection keeps its visible state in. The plain version
 * returns it as is; the Svelte entry returns a `$state` proxy so pages re-render when
 * `status`, `error` or `joined` change. The client core writes through it either way.
 */
export type MakeState = <T extends object>(initial: T) => T;

export const plainState: MakeState = (initial) => initial;
