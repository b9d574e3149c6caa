import { contractIdentityOf } from '../../shared/contract-marker.js';
import type { RenderedRoom } from '../../shared/rendered-room.js';
import { roomRenderers, type RenderRequest } from './room-renderers.js';

/**
 * Reads a room while a page renders on the server, as a join would: the socket hook
 * runs on the request's cookies and headers, then the room's join guard and the `history`
 * of its events, and no membership is made and nothing is kept. Return it from a `load`, and
 * pass it to `live(contract, data.room)`: the first HTML shows the join's reply and events
 * (JavaScript or not), and the browser joins from exactly where the render stopped, so the
 * messages written meanwhile arrive with that join and none is shown twice.
 *
 * A refusal (the hook's or the guard's `error(403, …)`) comes back as the rendered room's
 * `error`, and the page shows it as `room.error`; it is not thrown, so the page still renders.
 * `params` default to the page's own (`event.params`): give them when the page's route is
 * not the contract's folder.
 *
 * @example
 * ```ts
 * // src/routes/rooms/[roomId]/+page.server.ts
 * import { loadRoom } from 'liverpc/server';
 * import * as chat from './chat.socket';
 *
 * export const load = async (event) => ({ chat: await loadRoom(chat, event) });
 * ```
 */
export async function loadRoom<M extends object>(
	contract: M,
	event: RenderRequest & { readonly params?: Partial<Record<string, string>> },
	params?: Record<string, string>
): Promise<RenderedRoom<M>> {
	const route = routeOf(contract);
	const given = params ?? event.params ?? {};
	for (const render of roomRenderers) {
		const rendered = await render(route, given, event);
		if (rendered) return rendered as RenderedRoom<M>;
	}
	throw new Error(
		`loadRoom(): no LiveRPC server in this process serves '${route}'. It runs in a page's server load of an app whose ` +
			`vite.config has liverpc() (vite dev, vite preview, node build), or after attach() with this contract.`
	);
}

/** The route id of a contract module, from the marker its exports carry. */
function routeOf(contract: object): string {
	if (typeof contract !== 'object' || contract === null) throw new TypeError('loadRoom() takes a room contract module: import * as chat from "./chat.socket"');
	for (const value of Object.values(contract)) {
		const route = contractIdentityOf(value)?.route;
		if (route !== undefined) return route;
	}
	throw new TypeError('loadRoom() takes a room contract module whose exports have a route: import * as chat from "./chat.socket", attached to the server');
}
