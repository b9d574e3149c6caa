/**
 * Delivers one event to every member of a room key on one attached server, if that server
 * serves the route. Returns nothing: a server without the route simply ignores it.
 */
export type EventSink = (routeId: string, key: string, name: string, payload: unknown, id: string | number | undefined) => void;

const SINKS = Symbol.for('liverpc.eventSinks');

/**
 * Every attached server's sink, process-wide. It lives on `globalThis` because in `vite dev`
 * the contract a form action imports and the one the socket server loaded can be different
 * module instances (a file edit re-evaluates it; Vite may transform `liverpc/server` itself
 * while the plugin loaded it through Node): an emit from either must reach the same sockets.
 * Route ids, not event objects, decide which server delivers.
 */
export const eventSinks: Set<EventSink> = ((globalThis as { [SINKS]?: Set<EventSink> })[SINKS] ??= new Set());
