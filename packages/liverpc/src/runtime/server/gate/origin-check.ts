import type { IncomingHttpHeaders } from 'node:http';
import type { ResolvedOptions, ResolvedProxy } from '../options/live-options.js';
import { TokenBucket } from '../support/token-bucket.js';

// Cross-site WebSocket hijacking: a page on another site can open a WebSocket to the
// app and the browser attaches the user's cookies, because WebSockets are not subject to
// CORS. The only thing such a handshake cannot forge is its `Origin` header, so every new
// Engine.IO session (polling or websocket) is checked here, before the socket hook runs.
// The rule follows Phoenix's `check_origin`: the app's own origin plus an allowlist.

/** Why a handshake was refused, as the HTTP 403 body says it. */
export const ORIGIN_REFUSED = 'Origin not allowed';

/**
 * The origin the browser used to reach this server: the app's origin when configured
 * (`ORIGIN` on adapter-node 5, `paths.origin` on SvelteKit 3), else the
 * request's scheme and host, honouring the trusted proxy headers as adapter-node does.
 */
export function requestOrigin(headers: IncomingHttpHeaders, encrypted: boolean, options: ResolvedOptions): string {
	return options.origin ?? `${requestScheme(headers, encrypted, options.proxy)}://${requestHost(headers, options.proxy)}`;
}

/**
 * Decides whether a new session may be opened. Returns undefined to admit, or a line for
 * the server log saying why not (the client only gets {@link ORIGIN_REFUSED}).
 */
export function checkOrigin(headers: IncomingHttpHeaders, encrypted: boolean, options: ResolvedOptions): string | undefined {
	const origin = headers.origin;
	if (origin === undefined) {
		if (!options.allowMissingOrigin) return 'the handshake has no Origin header and allowMissingOrigin is false';
		// A browser leaves Origin out only of no-cors GETs (a <script src> or <img src> on
		// another site); it still says where the request comes from in Sec-Fetch-Site.
		const site = headers['sec-fetch-site'];
		if (site === 'cross-site' || site === 'same-site') return `the handshake has no Origin header but comes from a ${site} page`;
		return undefined;
	}
	const given = parseOrigin(origin);
	if (given === undefined) return `Origin ${JSON.stringify(origin.slice(0, 200))} is not an origin`;
	if (options.allowedOrigins.has(given)) return undefined;

	if (options.origin !== undefined) {
		if (given === options.origin) return undefined;
		return `Origin ${given} is neither the app's origin ${options.origin} nor in allowedOrigins`;
	}
	const host = requestHost(headers, options.proxy);
	const scheme = requestScheme(headers, encrypted, options.proxy);
	if (given === parseOrigin(`${scheme}://${host}`)) return undefined;
	// Behind a TLS-terminating proxy that sends no protocol header, the browser used https
	// while this hop is plain http; adapter-node assumes https for the same reason.
	if (!encrypted && !options.proxy.protocolHeader && given === parseOrigin(`https://${host}`)) return undefined;
	return `Origin ${given} is not this server's origin ${scheme}://${host} (set the app's origin: ORIGIN with adapter-node 5, paths.origin with SvelteKit 3; or add it to allowedOrigins)`;
}

function requestScheme(headers: IncomingHttpHeaders, encrypted: boolean, proxy: ResolvedProxy): string {
	const forwarded = proxy.protocolHeader ? headerValue(headers, proxy.protocolHeader) : undefined;
	return forwarded ?? (encrypted ? 'https' : 'http');
}

function requestHost(headers: IncomingHttpHeaders, proxy: ResolvedProxy): string {
	const host = (proxy.hostHeader ? headerValue(headers, proxy.hostHeader) : undefined) ?? headers.host ?? 'localhost';
	const port = proxy.portHeader ? headerValue(headers, proxy.portHeader) : undefined;
	return port ? `${host}:${port}` : host;
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
	const value = headers[name];
	return typeof value === 'string' && value !== '' ? value : undefined;
}

/** `scheme://host[:port]` in URL's normal form, or undefined for `null` and anything else. */
function parseOrigin(text: string): string | undefined {
	try {
		const url = new URL(text);
		return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin !== 'null' ? url.origin : undefined;
	} catch {
		return undefined;
	}
}

/**
 * Logs why connections were refused, so an operator who forgot `ORIGIN` sees why pages
 * cannot connect, while a flood of forged origins cannot flood the log: each reason at most
 * once per `quietMs`, and at most a line every few seconds in all, with a count of what was
 * left out. A reason keeps coming back, so a real misconfiguration is not hidden for long.
 */
export function createRefusalLog(quietMs = 10 * 60_000, write: (line: string) => void = (line) => console.warn(`[liverpc] ${line}`)): (reason: string) => void {
	const lastLogged = new Map<string, number>();
	const lines = new TokenBucket(0.2, 10);
	let unlogged = 0;
	return (reason) => {
		const now = Date.now();
		const last = lastLogged.get(reason);
		if ((last !== undefined && now - last < quietMs) || !lines.take()) {
			unlogged++;
			return;
		}
		if (lastLogged.size >= 1000) lastLogged.clear();
		lastLogged.set(reason, now);
		const more = unlogged > 0 ? ` (and ${unlogged} refusals not logged since the last line)` : '';
		unlogged = 0;
		write(`refused a connection: ${reason}${more}`);
	};
}
