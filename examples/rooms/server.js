// The custom-server shape of a LiveRPC app: you own the http.Server, SvelteKit's
// build/handler.js answers its requests, and attach() from liverpc/node serves the socket
// hooks and room contracts of the same build on it. Run `npm run build`, then `node server.js`.
import http from 'node:http';
import process from 'node:process';
import { attach, optionsFromEnv } from 'liverpc/node';
import { handler } from './build/handler.js';
import { loadSockets } from './build/sockets.js';

const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST ?? '0.0.0.0';

// Loaded from the build, so hooks, contracts and pages share one $lib/server/db. The options
// (hooks.socket.ts `options`) take ORIGIN and the proxy headers from the environment, as
// node build does.
const { options } = await loadSockets();
const server = http.createServer(handler);
const live = attach(server, optionsFromEnv(options));

server.listen(port, host, () => console.log(`Rooms (custom server) on http://${host}:${port}`));

// On deploy: let calls in flight finish, hand the clients over, then stop taking requests.
async function stop() {
	await live.shutdown({ timeout: 10_000 });
	server.closeIdleConnections();
	server.close(() => process.exit(0));
}
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
