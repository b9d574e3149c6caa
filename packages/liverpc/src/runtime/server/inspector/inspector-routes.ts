import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import type { InspectorFeed } from './inspector-feed.js';
import { inspectorPage } from './inspector-page.js';

/** Answers a request under `${socketPath}/inspector`; `rest` is what follows that prefix. */
export type InspectorHandler = (request: IncomingMessage, response: ServerResponse, rest: string) => void;

/**
 * What `node build` and every `attach()` server answer under the inspector's path: a plain
 * 404, without the URL (Engine.IO would otherwise answer its own 400 there).
 */
export const inspectorNotFound: InspectorHandler = (_request, response) => {
	response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' }).end('Not found\n');
};

/**
 * The dev inspector's three addresses: the page (`…/inspector`), its live feed
 * (`…/inspector/feed`, Server-Sent Events) and the same data once as JSON
 * (`…/inspector/state`). GET only, same-origin only, and only on a Host the dev server
 * accepts: this handler runs before Vite's middlewares (and so before its own Host check), and
 * a DNS-rebinding page must not read locals through it.
 *
 * @param allowedHosts Vite's `server.allowedHosts`: `true` for any, else names beyond localhost and IP addresses
 */
export function serveInspector(feed: InspectorFeed, allowedHosts: readonly string[] | true = []): InspectorHandler {
	return (request, response, rest) => {
		if (request.method !== 'GET' && request.method !== 'HEAD') {
			response.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end('Method not allowed\n');
			return;
		}
		if (!hostAllowed(request.headers.host, allowedHosts) || crossSite(request)) {
			response.writeHead(403, { 'content-type': 'text/plain; charset=utf-8' }).end('Forbidden\n');
			return;
		}
		const route = rest.replace(/\/+$/, '');
		if (route === '') return page(response);
		if (route === '/feed') {
			if (request.method === 'GET') return feed.open(request, response);
			response.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store' }).end();
			return;
		}
		if (route === '/state') {
			response.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
			response.end(JSON.stringify(feed.state()));
			return;
		}
		inspectorNotFound(request, response, rest);
	};
}

function page(response: ServerResponse): void {
	const nonce = randomBytes(16).toString('base64');
	response.writeHead(200, {
		'content-type': 'text/html; charset=utf-8',
		'cache-control': 'no-store',
		'x-content-type-options': 'nosniff',
		'referrer-policy': 'no-referrer',
		'content-security-policy': `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'`
	});
	response.end(inspectorPage(nonce));
}

/** A browser's request made by another site's page (Fetch Metadata); absent from non-browser clients. */
function crossSite(request: IncomingMessage): boolean {
	const site = request.headers['sec-fetch-site'];
	return site !== undefined && site !== 'same-origin' && site !== 'none';
}

/** Vite's rule for `server.allowedHosts`: IP addresses, `localhost` and `*.localhost`, and the names listed (`.example.com` for its subdomains). */
export function hostAllowed(host: string | undefined, allowedHosts: readonly string[] | true): boolean {
	if (allowedHosts === true) return true;
	if (!host) return false;
	let hostname: string;
	try {
		hostname = new URL(`http://${host}`).hostname;
	} catch {
		return false;
	}
	const bare = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
	if (isIP(bare) !== 0 || hostname === 'localhost' || hostname.endsWith('.localhost')) return true;
	return allowedHosts.some((allowed) => (allowed.startsWith('.') ? hostname === allowed.slice(1) || hostname.endsWith(allowed) : hostname === allowed));
}
