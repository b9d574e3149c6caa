import { request } from 'node:http';

// Engine.IO's HTTP long-polling transport spoken by hand, for what a server checks on it:
// the handshake's origin and rate per address, the size of a POSTed payload.

/** Opens an Engine.IO polling session by hand; resolves with the HTTP status and body of the handshake. */
export function pollingHandshake(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
	return new Promise((resolve, reject) => {
		const target = new URL(`${url}/_liverpc/?EIO=4&transport=polling`);
		const req = request(target, { headers }, (response) => {
			let body = '';
			response.on('data', (chunk) => (body += chunk));
			response.on('end', () => resolve({ status: response.statusCode!, body }));
		});
		req.on('error', reject);
		req.end();
	});
}

/** POSTs a polling payload to a session; resolves with the HTTP status. */
export function pollingPost(url: string, sid: string, payload: string | Buffer, headers: Record<string, string> = {}): Promise<number> {
	return new Promise((resolve, reject) => {
		const target = new URL(`${url}/_liverpc/?EIO=4&transport=polling&sid=${sid}`);
		const req = request(target, { method: 'POST', headers: { 'content-type': 'text/plain;charset=UTF-8', ...headers } }, (response) => {
			response.resume();
			response.on('end', () => resolve(response.statusCode!));
		});
		req.on('error', reject);
		req.end(payload);
	});
}
