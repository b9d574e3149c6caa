import type { IncomingHttpHeaders } from 'node:http';
import type { ResolvedProxy } from '../options/live-options.js';

/**
 * The client's address as adapter-node's `getClientAddress()` computes it: the socket's
 * remote address, or, with `ADDRESS_HEADER` set, that header; for `x-forwarded-for` the
 * entry `XFF_DEPTH` from the right, since only the proxies you run append trustworthy
 * entries. A missing header is a misconfiguration and throws, as in adapter-node.
 */
export function clientAddress(headers: IncomingHttpHeaders, remoteAddress: string, proxy: ResolvedProxy): string {
	const name = proxy.addressHeader;
	if (!name) return remoteAddress;
	const value = headers[name];
	if (value === undefined) {
		throw new Error(`The address header was set to '${name}' (ADDRESS_HEADER), but the handshake has no such header`);
	}
	const text = Array.isArray(value) ? value.join(',') : value;
	if (name !== 'x-forwarded-for') return text.trim();
	const addresses = text.split(',');
	if (proxy.xffDepth > addresses.length) {
		throw new Error(`XFF_DEPTH is ${proxy.xffDepth}, but the handshake's x-forwarded-for has only ${addresses.length} addresses`);
	}
	return addresses[addresses.length - proxy.xffDepth]!.trim();
}
