import { Agent, type Server as HttpServer } from 'node:http';
import { Duplex } from 'node:stream';

// The in-memory wire of `liverpc/testing`: a pair of streams, one handed to a
// real `http.Server` as an incoming connection (Node documents that any Duplex may be), the
// other returned to the client's HTTP agent. Socket.IO, engine.io, ws and socket.io-client
// all run as in production, byte for byte; only the TCP port is gone, so tests need no free
// port and run side by side.

/** One end of an in-memory connection, with the socket methods HTTP and ws call. */
class MemoryEnd extends Duplex {
	peer: MemoryEnd | undefined;
	readonly remoteAddress: string;
	readonly remotePort = 0;
	readonly remoteFamily = 'IPv4';

	constructor(remoteAddress: string) {
		super({ allowHalfOpen: false });
		this.remoteAddress = remoteAddress;
	}

	override _read(): void {}

	override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
		// The peer reads on a later tick, as from a real socket: nothing re-enters the writer.
		const peer = this.peer;
		setImmediate(() => {
			if (peer && !peer.destroyed) peer.push(chunk);
			done();
		});
	}

	override _final(done: (error?: Error | null) => void): void {
		const peer = this.peer;
		setImmediate(() => {
			peer?.push(null);
			done();
		});
	}

	override _destroy(error: Error | null, done: (error?: Error | null) => void): void {
		const peer = this.peer;
		this.peer = undefined;
		if (peer && !peer.destroyed) setImmediate(() => peer.destroy());
		done(error);
	}

	// What http.Server and ws call on a net.Socket; nothing to tune in memory.
	setTimeout(_ms: number, callback?: () => void): this {
		if (callback) this.once('timeout', callback);
		return this;
	}
	setNoDelay(): this {
		return this;
	}
	setKeepAlive(): this {
		return this;
	}
	ref(): this {
		return this;
	}
	unref(): this {
		return this;
	}
}

/**
 * An HTTP agent whose every connection is an in-memory one into `server`, which need not
 * listen. Give it to socket.io-client as `agent` with the websocket transport.
 *
 * @param remoteAddress what the server sees as the client's address
 */
export function memoryAgent(server: HttpServer, remoteAddress = '127.0.0.1'): Agent {
	const agent = new Agent({ keepAlive: false });
	(agent as unknown as { createConnection: () => Duplex }).createConnection = () => {
		const client = new MemoryEnd('127.0.0.1');
		const served = new MemoryEnd(remoteAddress);
		client.peer = served;
		served.peer = client;
		server.emit('connection', served);
		return client;
	};
	return agent;
}
