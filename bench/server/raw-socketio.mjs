// Baseline: Socket.IO as a developer would wire it by hand for the same workload.
import * as v from 'valibot';
import { Server } from 'socket.io';
import { inputSchema, RAW_ROOM } from '../lib/workload.mjs';

export function start(httpServer, { wsEngine }) {
	const io = new Server(httpServer, {
		serveClient: false,
		transports: ['websocket', 'polling'],
		...(wsEngine ? { wsEngine } : {})
	});
	io.on('connection', (socket) => {
		socket.on('join', (room, ack) => {
			socket.join(room);
			ack(null, { room });
		});
		socket.on('echo', (input, ack) => ack(null, { n: input.n }));
		socket.on('checked', (input, ack) => {
			const result = v.safeParse(inputSchema, input);
			if (result.success) ack(null, { n: result.output.n });
			else ack({ status: 400, message: 'Invalid input' });
		});
	});
	return {
		broadcast(count, message) {
			for (let i = 0; i < count; i++) io.to(RAW_ROOM).emit('msg', message);
		},
		connections: () => io.of('/').sockets.size
	};
}
