import type { RenderedRoomData } from '../../shared/rendered-room.js';

/**
 * What a page's `load` hands `loadRoom()` from SvelteKit's `RequestEvent`: the request (its
 * cookies and headers are what the socket hook reads), its URL and the client's address.
 */
export interface RenderRequest {
	readonly request: Request;
	readonly url: URL;
	getClientAddress(): string;
}

/**
 * Renders a room of one attached server for a page: runs the socket hook on the request and
 * the room's join guard and history, and answers what a join would have. Undefined (at once,
 * or once the dev server has loaded its socket files) when that server does not serve `routeId`.
 */
export type RoomRenderer = (routeId: string, params: unknown, request: RenderRequest) => Promise<RenderedRoomData | undefined> | undefined;

const RENDERERS = Symbol.for('liverpc.roomRenderers');

/**
 * Every attached server's renderer, process-wide, on `globalThis` for the reason the event
 * sinks are (`event-sinks.ts`): in `vite dev` the contract a page's `load` imports and the one
 * the socket server loaded may be two module instances. The route id decides which serves.
 */
export const roomRenderers: Set<RoomRenderer> = ((globalThis as { [RENDERERS]?: Set<RoomRenderer> })[RENDERERS] ??= new Set());
