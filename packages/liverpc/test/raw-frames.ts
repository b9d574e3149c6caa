import { request } from 'node:http';
import WebSocket from 'ws';

// Engine.IO v4 + Socket.IO v5 spoken by hand, as an attacker speaks them: every frame is a
// string we chose, nothing goes through socket.io-client's encoder or its checks.
//   engine.io:  0 open · 2 ping · 3 pong · 4 message
//   socket.io (inside a 4):  0 CONNECT · 2 EVENT · 3 ACK · 4 CONNECT_ERROR
// so '40' connects, '421["j",…]' is an event with ack id 1, and '431[…]' its answer.

export interface RawSocket {
	/** Sends one websocket frame as it is. */
	send(frame: string | Buffer): void;
	/** Sends many frames in one TCP write. */
	sendBatch(frames: string[]): void;
	/** Resolves with the next frame (or a later one) for which `match` is true. */
	next(match?: (frame: string) => boolean, timeout?: number): Promise<string>;
	/** Sends CONNECT and resolves with the server's answer frame (`40{…}` or `44{…}`). */
	connect(auth?: Record<string, unknown>): Promise<string>;
	/** Sends an event with an ack id, as `42<id>[name, ...args]`, and resolves with the ack's arguments. */
	ask(name: unknown, ...args: unknown[]): Promise<unknown[]>;
	/** Sends a hand-written `42<id><json>` body and resolves with the ack's arguments. */
	askRaw(json: string): Promise<unknown[]>;
	/** Frames received and not yet taken by `next()`. */
	frames: string[];
	/** Resolves when the websocket closes, with its close code. */
	closed: Promise<number>;
	close(): void;
}

/** Opens a raw websocket to a LiveRPC server; rejects with the HTTP `status` and `body` if refused. */
export function openRaw(url: string, headers: Record<string, string> = {}): Promise<RawSocket> {
	const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/_liverpc/?EIO=4&transport=websocket`, { headers });
	const frames: string[] = [];
	const waiters = new Set<{ match: (frame: string) => boolean; resolve: (frame: string) => void }>();
	let nextAck = 1;
	const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));

	ws.on('message', (data) => {
		const frame = data.toString();
		if (frame === '2') return ws.send('3'); // engine.io ping
		frames.push(frame);
		for (const waiter of waiters) {
			if (waiter.match(frame)) {
				waiters.delete(waiter);
				waiter.resolve(frame);
			}
		}
	});

	const next = (match: (frame: string) => boolean = () => true, timeout = 3000) =>
		new Promise<string>((resolve, reject) => {
			const seen = frames.find(match);
			if (seen) {
				frames.splice(frames.indexOf(seen), 1);
				return resolve(seen);
			}
			const waiter = {
				match,
				resolve: (frame: string) => {
					clearTimeout(timer);
					frames.splice(frames.indexOf(frame), 1);
					resolve(frame);
				}
			};
			const timer = setTimeout(() => {
				waiters.delete(waiter);
				reject(new Error(`no matching frame within ${timeout} ms; got ${JSON.stringify(frames.slice(-5))}`));
			}, timeout);
			waiters.add(waiter);
		});

	const askRaw = async (json: string) => {
		const id = nextAck++;
		ws.send(`42${id}${json}`);
		const answer = await next((frame) => frame.startsWith(`43${id}[`));
		return JSON.parse(answer.slice(`43${id}`.length)) as unknown[];
	};

	const socket: RawSocket = {
		send: (frame) => ws.send(frame),
		sendBatch: (list) => {
			// ws writes each frame with its own header; cork so they leave in one TCP write.
			const tcp = (ws as unknown as { _socket: import('node:net').Socket })._socket;
			tcp.cork();
			for (const frame of list) ws.send(frame);
			process.nextTick(() => tcp.uncork());
		},
		next,
		connect: async (auth) => {
			ws.send(auth === undefined ? '40' : `40${JSON.stringify(auth)}`);
			return next((frame) => frame.startsWith('40') || frame.startsWith('44'));
		},
		ask: (name, ...args) => askRaw(JSON.stringify([name, ...args])),
		askRaw,
		frames,
		closed,
		close: () => ws.close()
	};

	return new Promise((resolve, reject) => {
		ws.once('unexpected-response', (_request, response) => {
			let body = '';
			response.on('data', (chunk: Buffer) => (body += chunk));
			response.on('end', () => reject(Object.assign(new Error(`HTTP ${response.statusCode}: ${body}`), { status: response.statusCode, body })));
		});
		ws.once('error', reject);
		ws.once('open', async () => {
			try {
				await next((frame) => frame.startsWith('0{')); // engine.io open
				resolve(socket);
			} catch (problem) {
				reject(problem);
			}
		});
	});
}

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

/** `[[[…'x'…]]]`, `depth` arrays deep, as JSON text (JSON.stringify would recurse that deep). */
export function nestedArrays(depth: number): string {
	return '['.repeat(depth) + '"x"' + ']'.repeat(depth);
}
