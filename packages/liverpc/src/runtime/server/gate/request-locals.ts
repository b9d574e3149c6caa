import type { RenderRequest } from '../contract/room-renderers.js';
import { readHookKeys } from '../contract/revocation.js';
import type { ResolvedOptions } from '../options/live-options.js';
import { HandshakeCookieJar, type HandshakeCookies } from './handshake-cookies.js';
import { assertHookResult, type SocketHookInput, type SocketHooks } from './socket-hook.js';

/**
 * The socket hook's input for a page request instead of a handshake: the same cookies and
 * headers reach the server either way (the socket is opened by the page the request
 * rendered), so the hook needs no second version for server-rendered rooms.
 */
class RequestHookInput implements SocketHookInput {
	readonly cookies: HandshakeCookies;
	readonly getClientAddress: () => string;
	#page: RenderRequest;

	constructor(page: RenderRequest) {
		this.#page = page;
		this.cookies = new HandshakeCookieJar(page.request.headers.get('cookie') ?? undefined);
		this.getClientAddress = () => page.getClientAddress();
	}

	get request(): Request {
		return this.#page.request;
	}

	// Read only if the hook reads it: SvelteKit runs a `load` that read `url` again on every
	// change of the URL, and the room would be read (and joined) again with it.
	get url(): URL {
		return this.#page.url;
	}
}

/**
 * The `locals` the socket hook gives a page request, checked as a handshake's are (the shape,
 * the keys). Throws what the hook threw: a refusal (`error(401, …)`) or an unexpected error.
 */
export async function localsOfRequest(hooks: SocketHooks, page: RenderRequest, options: ResolvedOptions): Promise<App.SocketLocals> {
	const hook = hooks.handle;
	if (!hook) return {};
	const result: unknown = await hook(new RequestHookInput(page));
	assertHookResult(result);
	readHookKeys(result.keys ?? options.keys?.(result.locals));
	return result.locals;
}
