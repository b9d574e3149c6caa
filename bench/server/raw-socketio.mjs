// Baseline: Socket.IO as a developer would wire it by hand for the same workload.
import { AsyncLocalStorage } from 'node:async_hooks';
import * as v from 'valibot';
import { Server } from 'socket.io';
import { inputSchema, RAW_ROOM } from '../lib/workload.mjs';

// BENCH_ALS=1 (the "raw-socketio+als" implementation): each handler runs inside
// AsyncLocalStorage.run() with a per-socket store, as LiveRPC runs its handlers, so that
// the difference to plain raw Socket.IO is what AsyncLocalStorage costs on this Node.
const als = process.env.BENCH_ALS === '1' ? new AsyncLocalStorage() : undefined;
const echo = (input) => ({ n: input.n });

function checked(input, ack) {
	const result = v.safeParse(inputSchema, input);
	if (result.success) ack(null, { n: result.output.n });
	else ack({ status: 400, message: 'Invalid input' });
}

export async function adapterFor(redis) {
	const { createAdapter } = await import('@socket.io/redis-streams-adapter');
	return createAdapter(redis);
}

export function start(httpServer, { wsEngine, redis, adapter }) {
	const io = new Server(httpServer, {
		serveClient: false,
		transports: ['websocket', 'polling'],
		...(wsEngine ? { wsEngine } : {}),
		...(adapter ? { adapter } : {})
	});
	io.on('connection', (socket) => {
		if (als) {
			const store = { socket };
			socket.on('join', (room, ack) => als.run(store, () => (socket.join(room), ack(null, { room }))));
			socket.on('echo', (input, ack) => ack(null, als.run(store, echo, input)));
			socket.on('checked', (input, ack) => als.run(store, checked, input, ack));
			return;
		}
		socket.on('join', (room, ack) => {
			socket.join(room);
			ack(null, { room });
		});
		socket.on('echo', (input, ack) => ack(null, { n: input.n }));
		socket.on('checked', checked);
	});
	return {
		broadcast(count, message) {
			for (let i = 0; i < count; i++) io.to(RAW_ROOM).emit('msg', message);
		},
		emitTo: (id, message) => io.to(`room:${id}`).emit('msg', message),
		connections: () => io.of('/').sockets.size
	};
}
