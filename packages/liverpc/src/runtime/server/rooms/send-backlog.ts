import type { Server } from 'socket.io';

// Slow readers: a connection that stops reading while the server pushes to it (its
// room's events, the answers to its own joins) once made the server hold 285 MB of replies
// for it after 8 s. What the server holds unsent for one connection is:
// - the Engine.IO socket's `writeBuffer`: packets created while the transport cannot take
//   them (a websocket still writing the previous batch, a polling client that sends no GET);
// - a websocket's `bufferedAmount`: what `ws` handed to the TCP socket that has not left.
// Past `limits.maxBufferedBytes` the connection is closed at once, and its buffers let go;
// the client reconnects and resumes each room from its position (Centrifugo closes a
// client past its queue limit the same way).
//
// Checked as each packet is created, so the backlog never passes the cap by more than one
// packet. The check is a few field reads: the bytes queued since the last flush are counted
// as packets come (a packet's data is a string or a buffer Socket.IO has encoded already),
// not summed over the queue.

const QUEUED = Symbol('liverpc.queuedBytes');

/** The parts of Engine.IO's socket read here (engine.io 6.6: build/socket.js and transports). */
interface EngineSocket {
	[QUEUED]?: number;
	readyState: string;
	id: string;
	transport: { name: string; socket?: { bufferedAmount?: number; terminate?: () => void } };
	on(event: string, listener: (...args: never[]) => void): unknown;
	close(discard?: boolean): void;
}

interface EnginePacket {
	data?: unknown;
}

/**
 * Closes every connection of `io` whose unsent bytes pass `limit()` (read on every check,
 * so `vite dev` applies an edited limit at once).
 *
 * @example
 * ```ts
 * capSendBacklog(io, () => settings.options.limits.maxBufferedBytes);
 * ```
 */
export function capSendBacklog(io: Server, limit: () => number, onCut: (connectionId: string) => void = () => {}): void {
	// One pair of listeners for every connection, reading the connection from `this`: an
	// idle connection costs a number, not closures.
	function onPacketCreate(this: EngineSocket, packet: EnginePacket): void {
		const queued = (this[QUEUED] ?? 0) + sizeOf(packet.data);
		this[QUEUED] = queued;
		const max = limit();
		if (queued <= max) {
			const transport = this.transport;
			if (transport.name !== 'websocket' || queued + (transport.socket?.bufferedAmount ?? 0) <= max) return;
		}
		if (this.readyState !== 'closed') onCut(this.id);
		closeNow(this);
	}
	function onFlush(this: EngineSocket): void {
		this[QUEUED] = 0;
	}
	io.engine.on('connection', (socket: EngineSocket) => {
		socket.on('packetCreate', onPacketCreate);
		socket.on('flush', onFlush);
	});
}

/**
 * What the server holds unsent for one connection now, as the cap counts it: the bytes
 * queued since its last flush, and its websocket's buffered amount.
 *
 * @example
 * ```ts
 * const slow = unsentBytes(socket.conn) > limits.maxBufferedBytes / 4;
 * ```
 */
export function unsentBytes(connection: object): number {
	const socket = connection as EngineSocket;
	const transport = socket.transport;
	return (socket[QUEUED] ?? 0) + (transport.name === 'websocket' ? (transport.socket?.bufferedAmount ?? 0) : 0);
}

function sizeOf(data: unknown): number {
	if (typeof data === 'string') return data.length; // Socket.IO's packets are JSON text
	if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) return data.byteLength;
	return 0;
}

/**
 * Closes the connection and lets its buffers go now: a websocket is destroyed rather than
 * closed with a close frame (`ws` would wait up to 30 s for the reader's answer, holding
 * everything), and the session is discarded with its queued packets. Engine.IO marks it
 * closed in this same call, so the packets still being created for it are dropped.
 */
function closeNow(socket: EngineSocket): void {
	if (socket.readyState === 'closed') return;
	socket[QUEUED] = 0;
	const transport = socket.transport;
	if (transport.name === 'websocket' && typeof transport.socket?.terminate === 'function') transport.socket.terminate();
	socket.close(true);
}
