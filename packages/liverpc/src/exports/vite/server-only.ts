import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import type { ViteDevServer } from 'vite';
import { isContractFile } from '../../core/socket-files.js';

// `vite dev` never gives a browser the source of socket code: `hooks.socket.ts` and
// every `*.socket.ts` run on the server only (join guards, handlers, the hook's session
// reading). Before, `GET /src/hooks.socket.ts` answered its transpiled source, `?raw` any
// contract's, and Vite's error page showed a broken contract's code frame. SvelteKit keeps
// `$lib/server` out of client code by refusing the module in its client graph; this does the
// same for socket files, in three places:
// - a middleware ahead of Vite's refuses every request naming a socket file, whatever its
//   spelling (encoded, `/@fs/`, `/@id/`, double slashes, no extension), except the plain
//   module request for a contract, which the plugin turns into a stub of ids;
// - a `load` hook ordered before Vite's own (which serve `?raw`, `?url`, `?inline`,
//   `?worker`) refuses to load a socket file for the browser in any other form, whatever
//   asked for it (an `import … from './chat.socket.ts?raw'` in a page included);
// - errors that name a socket file reach the browser (the error page, the HMR overlay)
//   without message details, code frame, stack or location; the terminal has them whole.

/** Where the server-only files are. */
export interface ServerOnlyPaths {
	root: string;
	routesDir: string;
}

/** `hooks.socket.ts`, `chat.socket.ts`, in any case, `.js`/`.mjs`/`.cts`… too. */
const SOCKET_FILE = /\.socket(?:\.[cm]?[jt]sx?)?$/i;
/** A socket file's name anywhere in a text (an error's message, stack or frame). */
const SOCKET_NAME = /\.socket(?:\.[cm]?[jt]sx?)?\b/i;
/** The queries Vite itself adds to a module request (HMR timestamps, versions, import marks). */
const PLAIN_QUERY_KEYS = new Set(['t', 'v', 'import']);

const WITHHELD = '[liverpc] ';

/** The text the browser gets for a refused request; says nothing of the file. */
export const REFUSED_BODY = 'Not found';

/**
 * Whether the browser may be given module `id` (a path with its query, as Vite's `load`
 * sees it or a request names it): anything but a socket file, or a room contract asked
 * for as a plain module (the plugin's transform makes it a stub of ids).
 *
 * @example
 * ```ts
 * browserMayLoad('/app/src/routes/chat.socket.ts?raw', paths); // false
 * browserMayLoad('/app/src/routes/chat.socket.ts', paths); // true: becomes a stub
 * ```
 */
export function browserMayLoad(id: string, paths: ServerOnlyPaths): boolean {
	const [file = '', query = ''] = splitQuery(id.replace(/^\0/, ''));
	if (!SOCKET_FILE.test(stripTrailing(file))) return true;
	if (!isContractFile(paths.routesDir, file)) return false;
	return plainQuery(query);
}

/**
 * Whether a request's URL names a socket file the browser may not have, whatever its
 * spelling: percent-encoded (several times), with backslashes or repeated slashes, under
 * Vite's `/@fs/` or `/@id/`, under the app's base, without its extension.
 *
 * @example
 * ```ts
 * refusesRequest('/src/hooks.socket.ts', paths, '/'); // true
 * refusesRequest('/src/%68ooks.socket.ts', paths, '/'); // true
 * ```
 */
export function refusesRequest(url: string, paths: ServerOnlyPaths, base: string): boolean {
	const [rawPath = '', rawQuery = ''] = splitQuery(url.split('#', 1)[0]!);
	let pathname = rawPath;
	for (let round = 0; round < 4; round++) {
		let decoded: string;
		try {
			decoded = decodeURIComponent(pathname);
		} catch {
			// Not decodable: Vite answers it with an error of its own; refuse it if it might name one.
			return /socket/i.test(pathname);
		}
		if (decoded === pathname) break;
		pathname = decoded;
	}
	pathname = path.posix.normalize(pathname.replace(/\\/g, '/').replace(/\0/g, ''));
	if (!SOCKET_FILE.test(stripTrailing(pathname))) return false;
	const query = safeDecode(rawQuery);
	const basePath = base.endsWith('/') ? base : `${base}/`;
	if (basePath !== '/' && pathname.startsWith(basePath)) pathname = `/${pathname.slice(basePath.length)}`;
	let candidates: string[];
	if (pathname.startsWith('/@fs/')) candidates = [pathname.slice('/@fs'.length)];
	else if (pathname.startsWith('/@id/')) {
		const id = pathname.slice('/@id/'.length).replace(/^__x00__/, '');
		candidates = [path.join(paths.root, id), id.startsWith('/') ? id : `/${id}`];
	} else candidates = [path.join(paths.root, pathname), pathname];
	// A contract under the routes, asked for as a plain module, is served as its stub.
	return !candidates.some((file) => isContractFile(paths.routesDir, file) && /\.socket\.(ts|js)$/.test(file) && plainQuery(query));
}

/**
 * The error as the browser may see it: when it names a socket file anywhere (message, id,
 * frame, stack, location), a copy with only a fixed message naming the file's place in the
 * app; otherwise the error itself.
 *
 * @example
 * ```ts
 * withholdSocketSource(syntaxError, root); // { message: '[liverpc] src/routes/chat.socket.ts failed…', stack: '' }
 * ```
 */
export function withholdSocketSource<E>(error: E, root: string): E {
	if (!error || typeof error !== 'object') return error;
	const fields = error as { message?: unknown; id?: unknown; frame?: unknown; stack?: unknown; loc?: { file?: unknown }; plugin?: unknown };
	const texts = [fields.message, fields.id, fields.frame, fields.stack, fields.loc?.file].filter((text): text is string => typeof text === 'string');
	if (!texts.some((text) => SOCKET_NAME.test(text))) return error;
	// Already withheld (the HMR channel gets what the error page got): kept as it is.
	if (fields.stack === '' && typeof fields.message === 'string' && fields.message.startsWith(WITHHELD)) return error;
	const named = [fields.id, fields.loc?.file].find((text): text is string => typeof text === 'string' && SOCKET_NAME.test(text));
	const where = named ? path.relative(root, splitQuery(named)[0]!).split(path.sep).join('/') : 'a socket file';
	const message = `${WITHHELD}${where} could not be loaded. Socket files are server code: the details are in the terminal, not here.`;
	return { message, stack: '', plugin: typeof fields.plugin === 'string' ? fields.plugin : undefined } as E;
}

/**
 * Installs the request guard (ahead of Vite's middlewares) and the error filters (the error
 * page and the HMR overlay) on a dev server. Call from `configureServer`; run the returned
 * function from its post hook, so the error filter sits just before Vite's error page.
 */
export function guardServerOnly(server: ViteDevServer, paths: ServerOnlyPaths): () => void {
	const base = server.config.base || '/';
	server.middlewares.use(function liverpcServerOnly(request: IncomingMessage, response: ServerResponse, next: () => void) {
		if (typeof request.url === 'string' && refusesRequest(request.url, paths, base)) {
			response.statusCode = 404;
			response.setHeader('content-type', 'text/plain; charset=utf-8');
			response.end(REFUSED_BODY);
			return;
		}
		next();
	});

	// Every error Vite sends to the browser's overlay goes through a client HMR channel.
	const channels = new Set<{ send: (...args: never[]) => unknown }>();
	const clientHot = (server as { environments?: { client?: { hot?: { send: (...args: never[]) => unknown } } } }).environments?.client?.hot;
	if (clientHot) channels.add(clientHot);
	if (server.ws) channels.add(server.ws as never);
	for (const channel of channels) {
		const send = channel.send.bind(channel) as (...args: unknown[]) => unknown;
		channel.send = ((...args: unknown[]) => {
			const payload = args[0] as { type?: unknown; err?: unknown } | undefined;
			if (payload && typeof payload === 'object' && payload.type === 'error') {
				return send({ ...payload, err: withholdSocketSource(payload.err, paths.root) }, ...args.slice(1));
			}
			return send(...args);
		}) as never;
	}

	return () => {
		server.middlewares.use(function liverpcServerOnlyErrors(error: unknown, _request: IncomingMessage, _response: ServerResponse, next: (error?: unknown) => void) {
			const shown = withholdSocketSource(error, paths.root);
			if (shown !== error) server.config.logger.error(`[liverpc] ${describe(error)}`, { timestamp: true });
			next(shown);
		});
	};
}

function describe(error: unknown): string {
	const fields = error as { message?: unknown; frame?: unknown; stack?: unknown };
	return [fields.message, fields.frame, fields.stack].filter((text) => typeof text === 'string' && text !== '').join('\n');
}

function splitQuery(id: string): [string, string] {
	const at = id.indexOf('?');
	return at < 0 ? [id, ''] : [id.slice(0, at), id.slice(at + 1)];
}

function plainQuery(query: string): boolean {
	if (query === '') return true;
	for (const part of query.split('&')) {
		if (part === '') continue;
		if (!PLAIN_QUERY_KEYS.has(part.split('=', 1)[0]!)) return false;
	}
	return true;
}

function stripTrailing(file: string): string {
	return file.replace(/[/.\s]+$/, '');
}

function safeDecode(text: string): string {
	try {
		return decodeURIComponent(text);
	} catch {
		return text;
	}
}
