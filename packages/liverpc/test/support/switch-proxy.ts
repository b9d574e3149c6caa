import { connect, createServer, type Socket } from 'node:net';

/**
 * A TCP proxy on 127.0.0.1 in front of one of several processes, as a load balancer that
 * sends a client's next connection elsewhere: `switchTo` picks where new connections go,
 * and `cut` resets the open ones, so the client reconnects, to the new target (#12).
 */
export interface SwitchProxy {
	url: string;
	switchTo(port: number): void;
	/** Resets every open connection, both sides; returns how many there were. */
	cut(): number;
	close(): Promise<void>;
}

export function startSwitchProxy(port: number): Promise<SwitchProxy> {
	let target = port;
	const open = new Set<[Socket, Socket]>();
	const server = createServer((client) => {
		const upstream = connect({ port: target, host: '127.0.0.1' });
		const pair: [Socket, Socket] = [client, upstream];
		open.add(pair);
		const end = () => {
			if (!open.delete(pair)) return;
			client.destroy();
			upstream.destroy();
		};
		for (const side of pair) {
			side.setNoDelay(true);
			side.on('error', end);
			side.on('close', end);
		}
		client.pipe(upstream);
		upstream.pipe(client);
	});
	return new Promise((resolve, reject) => {
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const { port: own } = server.address() as { port: number };
			resolve({
				url: `http://127.0.0.1:${own}`,
				switchTo: (next) => void (target = next),
				cut: () => {
					const pairs = [...open];
					open.clear();
					for (const [client, upstream] of pairs) {
						client.resetAndDestroy();
						upstream.resetAndDestroy();
					}
					return pairs.length;
				},
				close: () =>
					new Promise<void>((done) => {
						for (const [client, upstream] of open) {
							client.destroy();
							upstream.destroy();
						}
						open.clear();
						server.close(() => done());
					})
			});
		});
	});
}
