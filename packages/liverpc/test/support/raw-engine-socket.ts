import type { Socket as TcpSocket } from 'node:net';
import WebSocket from 'ws';

// Engine.IO v4 + Socket.IO v5 spoken by hand over a websocket, as an attacker speaks them:
// every frame is a string we chose, nothing goes through socket.io-client's encoder or its
// checks. The library's tests and the Rooms example's browser tests both use this one client.
//   engine.io:  0 open · 2 ping · 3 pong · 4 message
//   socket.io (inside a 4):  0 CONNECT · 2 EVENT · 3 ACK · 4 CONNECT_ERROR
// so '40' connects, '421["j",…]' is an event with ack id 1, and '431[…]' its answer.

export interface RawSocket {
	/** Sends one websocket frame as it is. */
	send(frame: string | Buffer): void;
	/** Sends many frames in one TCP write. */
	sendBatch(frames: string[]): void;
	/**
	 * Resolves with the next frame (or a later one) for which `match` is true, and takes it;
	 * rejects after `timeout` ms, or once the socket is closed (after `closed` has resolved,
	 * so a race between the two ends on `closed`).
	 */
	next(match?: (frame: string) => boolean, timeout?: number): Promise<string>;
	/** Sends CONNECT, with `auth` if given, and resolves with the server's answer frame (`40{…}` or `44{…}`). */
	connect(auth?: Record<string, unknown>): Promise<string>;
	/** Sends an event with the next ack id, as `42<id>[name, ...args]`, and resolves with the ack's arguments. */
	ask(name: unknown, ...args: unknown[]): Promise<unknown[]>;
	/** Sends a hand-written `42<id><json>` body and resolves with the ack's arguments. */
	askRaw(json: string): Promise<unknown[]>;
	/** Frames received and not yet taken by `next()`, pings left out. */
	frames: string[];
	/** Everything the server sent on this socket, pings and the open packet included. */
	received: { frames: number; bytes: number };
	/** Resolves when the websocket closes, with its close code. */
	closed: Promise<number>;
	close(): void;
}

/**
 * Opens a raw websocket to a LiveRPC server (a test server or a running app) with these
 * request headers (cookie, origin…); rejects with the HTTP `status` and `body` if refused.
 */
export function openRaw(url: string, headers: Record<string, string> = {}): Promise<RawSocket> {
	const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/_liverpc/?EIO=4&transport=websocket`, { headers });
	const frames: string[] = [];
	const received = { frames: 0, bytes: 0 };
	type Waiter = { match: (frame: string) => boolean; resolve: (frame: string) => void; reject: (problem: Error) => void };
	const waiters = new Set<Waiter>();
	let nextAck = 1;
	let isClosed = false;
	const closed = new Promise<number>((resolve) =>
		ws.once('close', (code) => {
			isClosed = true;
			resolve(code);
			// Once `closed` has settled: a test racing next() against `closed` sees the close.
			setImmediate(() => {
				for (const waiter of waiters) waiter.reject(new Error(`the socket closed (${code}) before a matching frame came`));
				waiters.clear();
			});
		})
	);
	// A refused or closed socket reports an error too; `closed` and the open promise say what happened.
	ws.on('error', () => {});

	ws.on('message', (data: Buffer) => {
		received.frames++;
		received.bytes += data.length;
		const frame = data.toString();
		if (frame === '2') return ws.send('3'); // engine.io ping
		frames.push(frame);
		// A frame goes to one waiter: it is taken from `frames` once.
		for (const waiter of waiters) {
			if (waiter.match(frame)) {
				waiters.delete(waiter);
				waiter.resolve(frame);
				break;
			}
		}
	});

	const next = (match: (frame: string) => boolean = () => true, timeout = 5000) =>
		new Promise<string>((resolve, reject) => {
			const seen = frames.find(match);
			if (seen !== undefined) {
				frames.splice(frames.indexOf(seen), 1);
				return resolve(seen);
			}
			if (isClosed) return reject(new Error('the socket is closed'));
			const waiter: Waiter = {
				match,
				resolve: (frame) => {
					clearTimeout(timer);
					frames.splice(frames.indexOf(frame), 1);
					resolve(frame);
				},
				reject: (problem) => {
					clearTimeout(timer);
					reject(problem);
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
			const tcp = (ws as unknown as { _socket: TcpSocket })._socket;
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
		received,
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

/** `[[[…"x"…]]]`, `depth` arrays deep, as JSON text (JSON.stringify would recurse that deep). */
export function nestedArrays(depth: number): string {
	return '['.repeat(depth) + '"x"' + ']'.repeat(depth);
}

/** What {@link flood} saw. */
export interface FloodResult {
	/** The arguments of every answer (`43<id>[…]`) that came back, in order. */
	answers: unknown[][];
	/** Asks sent before the socket closed. */
	sent: number;
	/** From the first frame sent to the close (or to the last answer). */
	milliseconds: number;
	/** The close code, or undefined if the server left the socket open. */
	closeCode: number | undefined;
}

/**
 * Floods a connected socket with `count` asks, each written as `frames(ackId)` (the ask,
 * then any frames sent along with it). At most `window` stay unanswered: each refill goes
 * out in one TCP write, so `Infinity` sends everything at once and a small window sends as
 * fast as the server answers. Stops when the socket closes.
 */
export async function flood(socket: RawSocket, count: number, frames: (ackId: number) => string[], window: number): Promise<FloodResult> {
	const isAnswer = (frame: string) => /^43\d+\[/.test(frame);
	const answers: string[] = [];
	let closeCode: number | undefined;
	void socket.closed.then((code) => (closeCode = code));
	const started = Date.now();
	let sent = 0;
	let unanswered = 0;
	while (closeCode === undefined && answers.length < count) {
		const batch: string[] = [];
		for (; unanswered < window && sent < count; sent++, unanswered++) batch.push(...frames(1000 + sent));
		if (batch.length > 0) socket.sendBatch(batch);
		try {
			answers.push(await socket.next(isAnswer, 10_000));
			unanswered--;
		} catch {
			break; // closed, or the server stopped answering
		}
	}
	await Promise.race([socket.closed, new Promise((resolve) => setTimeout(resolve, 5000))]);
	const milliseconds = Date.now() - started;
	answers.push(...socket.frames.filter(isAnswer));
	return { answers: answers.map((frame) => JSON.parse(frame.replace(/^43\d+/, '')) as unknown[]), sent, milliseconds, closeCode };
}
