import { connect, createServer, type Socket } from 'node:net';

/** A TCP proxy on loopback in front of an app, whose connections a test can cut. */
export interface TcpProxy {
	/** `http://127.0.0.1:<port>`: what browsers and clients use instead of the app's URL. */
	url: string;
	port: number;
	/** Destroys every open connection, both its client side and its upstream side. */
	cut(): number;
	/** Connections accepted so far, and how many of them the upstream refused (app down). */
	stats(): { accepted: number; refused: number; cut: number };
	/** Stops listening and destroys every open connection. */
	close(): Promise<void>;
}

/**
 * Listens on a free port of 127.0.0.1 and forwards each connection, bytes as they are, to
 * `targetPorts` in turn (round-robin, as a load balancer without sticky sessions). A target
 * may go away and come back on the same port (a restarted app): every new connection dials
 * afresh, skips a target that refuses it, and is destroyed on the client side too when every
 * target refuses, as a load balancer in front of stopped processes would.
 */
export function startTcpProxy(targetPorts: number | number[]): Promise<TcpProxy> {
	const ports = Array.isArray(targetPorts) ? targetPorts : [targetPorts];
	const pairs = new Set<{ client: Socket; upstream: Socket }>();
	const counts = { accepted: 0, refused: 0, cut: 0 };
	let turn = 0;

	const server = createServer((client) => {
		counts.accepted++;
		// Small frames (acks, events) should not wait for Nagle: the test times resumptions.
		client.setNoDelay(true);
		client.pause();
		let closed = false;
		client.on('error', () => {
			closed = true;
			client.destroy();
		});
		client.on('close', () => (closed = true));

		const dial = (attempt: number) => {
			const upstream = connect({ port: ports[turn++ % ports.length]!, host: '127.0.0.1' });
			upstream.setNoDelay(true);
			upstream.once('error', () => {
				upstream.destroy();
				if (attempt + 1 < ports.length && !closed) return dial(attempt + 1);
				counts.refused++;
				client.resetAndDestroy();
			});
			upstream.once('connect', () => {
				upstream.removeAllListeners('error');
				if (closed) return upstream.destroy();
				link(client, upstream);
			});
		};
		dial(0);
	});

	const link = (client: Socket, upstream: Socket) => {
		const pair = { client, upstream };
		pairs.add(pair);
		// Whichever side ends or fails first takes the other with it. An RST rather than a
		// FIN when the other side failed, so nothing half-open is left for a client to wait on.
		const teardown = (problem?: Error) => {
			if (!pairs.delete(pair)) return;
			if (problem) {
				client.resetAndDestroy();
				upstream.destroy();
			} else {
				client.destroy();
				upstream.destroy();
			}
		};
		client.on('error', () => teardown(new Error('client side failed')));
		upstream.on('error', (problem) => teardown(problem));
		client.on('close', () => teardown());
		upstream.on('close', () => teardown());
		client.pipe(upstream);
		upstream.pipe(client);
		client.resume();
	};

	return new Promise((resolve, reject) => {
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const { port } = server.address() as { port: number };
			resolve({
				url: `http://127.0.0.1:${port}`,
				port,
				cut: () => {
					const open = [...pairs];
					for (const pair of open) {
						pairs.delete(pair);
						// A reset on both sides: to the client and to the app it looks like a
						// dropped network path, not a polite close.
						pair.client.resetAndDestroy();
						pair.upstream.resetAndDestroy();
					}
					counts.cut += open.length;
					return open.length;
				},
				stats: () => ({ ...counts }),
				close: () =>
					new Promise<void>((done) => {
						for (const pair of pairs) {
							pair.client.destroy();
							pair.upstream.destroy();
						}
						pairs.clear();
						server.close(() => done());
					})
			});
		});
	});
}
