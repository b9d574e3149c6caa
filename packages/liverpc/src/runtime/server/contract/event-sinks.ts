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

/**
 * Delivers one event to the connections a socket hook named `connectionKey`, in their
 * memberships of the route; see `event().toKey()`. Like {@link EventSink}, one per attached
 * server, process-wide.
 */
export type PushSink = (routeId: string, connectionKey: string, name: string, payload: unknown) => void;

const PUSH_SINKS = Symbol.for('liverpc.pushSinks');

/** Every attached server's push sink, on `globalThis` for the reason {@link eventSinks} is. */
export const pushSinks: Set<PushSink> = ((globalThis as { [PUSH_SINKS]?: Set<PushSink> })[PUSH_SINKS] ??= new Set());

/**
 * Delivers one volatile event (`event({ volatile })`) to the members of a room key, outside
 * the room's log. `latest` names what a newer event replaces while this one waits (the event
 * name, and the value of its `volatile.key`); `source` is the join or call being served that
 * emitted it, if any: its membership's volatile rate applies.
 */
export type VolatileSink = (routeId: string, key: string, name: string, payload: unknown, latest: string, source: object | undefined) => void;

const VOLATILE_SINKS = Symbol.for('liverpc.volatileSinks');

/** Every attached server's volatile sink, on `globalThis` for the reason {@link eventSinks} is. */
export const volatileSinks: Set<VolatileSink> = ((globalThis as { [VOLATILE_SINKS]?: Set<VolatileSink> })[VOLATILE_SINKS] ??= new Set());
