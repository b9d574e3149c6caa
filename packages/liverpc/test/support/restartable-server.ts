import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach } from 'vitest';
import { attach, type AttachOptions, type LiveServer } from 'liverpc/node';

/** A LiveRPC server that a test can stop and start again on the same port. */
export interface RestartableServer {
	url: string;
	/** The server running now (a new one after each `start()`). */
	readonly live: LiveServer;
	/** Stops it, as a process that goes away: every connection drops. */
	stop(): Promise<void>;
	/** Starts a new one on the same port, with nothing of the last one kept: a restarted process. */
	start(): Promise<number>;
}

const running: Array<() => Promise<void>> = [];
afterEach(async () => {
	for (const stop of running.splice(0)) await stop();
});

/**
 * Attaches a server with `options` on a free loopback port; closed after the test. Restarting
 * it is how the tests show what survives a restart (resume from the store, a rendered room).
 */
export async function restartableServer(options: AttachOptions): Promise<RestartableServer> {
	let live: LiveServer;
	const listen = async (port = 0) => {
		const httpServer = http.createServer();
		live = attach(httpServer, options);
		await new Promise<void>((resolve) => httpServer.listen(port, '127.0.0.1', resolve));
		return (httpServer.address() as AddressInfo).port;
	};
	const port = await listen();
	running.push(() => live.close());
	return {
		url: `http://127.0.0.1:${port}`,
		get live() {
			return live;
		},
		stop: () => live.close(),
		start: () => listen(port)
	};
}
