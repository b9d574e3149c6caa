import { isRenderedRoom, RENDERED_ROOM, type RenderedRoomData } from '../shared/rendered-room.js';

/**
 * The rendered room `live()` was given in place of params, checked, or undefined for params.
 * It came through the page's data, so it is checked like any input; one of another contract
 * (a page that passed `data.lobby` to `live(chat, …)`) is the page's mistake, said at once.
 */
export function renderedRoomOf(given: unknown, route: string): RenderedRoomData | undefined {
	if (typeof given !== 'object' || given === null || (given as { '~liverpc'?: unknown })['~liverpc'] !== RENDERED_ROOM) return undefined;
	if (!isRenderedRoom(given)) throw new TypeError('live(): this rendered room is malformed; pass what loadRoom() returned, unchanged');
	if (given.route !== route) throw new TypeError(`live(): this room was rendered by loadRoom() for '${given.route}', not for '${route}'`);
	return given;
}
