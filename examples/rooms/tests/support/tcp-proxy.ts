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
 * `targetPort`. The target may go away and come back on the same port (a restarted app):
 * every new connection dials it afresh, and one it refuses is destroyed on the client side
 * too, as a load balancer in front of a stopped process would.
 */
export function startTcpProxy(targetPort: number): Promise<TcpProxy> {
	const pairs = new Set<{ client: Socket; upstream: Socket }>();
	const counts = { accepted: 0, refused: 0, cut: 0 };

	const server = createServer((client) => {
		counts.accepted++;
		const upstream = connect({ port: targetPort, host: '127.0.0.1' });
		const pair = { client, upstream };
		pairs.add(pair);
		// Small frames (acks, events) should not wait for Nagle: the test times resumptions.
		client.setNoDelay(true);
		upstream.setNoDelay(true);
		let connected = false;
		upstream.once('connect', () => (connected = true));

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
		upstream.on('error', (problem) => {
			if (!connected && pairs.has(pair)) counts.refused++;
			teardown(problem);
		});
		client.on('close', () => teardown());
		upstream.on('close', () => teardown());

		// Writes to the upstream before it connects are buffered by net.Socket.
		client.pipe(upstream);
		upstream.pipe(client);
	});

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
