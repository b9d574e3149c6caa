// LiveRPC on liverpc/node, with a socket hook that reads one cookie like the tutorial's.
import { attach } from 'liverpc/node';
import { call, event, handleSocket } from 'liverpc/server';
import { inputSchema, ROOM_ID } from '../lib/workload.mjs';

// A Standard Schema that accepts anything: the "trivial" variant sends the same bytes as
// the raw baseline without paying for validation.
const passThrough = { '~standard': { version: 1, vendor: 'bench', validate: (value) => ({ value }) } };

const msg = event();
const contract = {
	msg,
	echo: call(passThrough, (input) => ({ n: input.n })),
	checked: call(inputSchema, (input) => ({ n: input.n }))
};

const handle = handleSocket(({ cookies }) => ({ locals: { session: cookies.get('session') } }));

export function start(httpServer, { wsEngine }) {
	const live = attach(httpServer, {
		handle,
		contracts: { 'bench/[id]': contract },
		socket: wsEngine ? { wsEngine } : {}
	});
	const room = msg.to({ id: ROOM_ID });
	return {
		broadcast(count, message) {
			for (let i = 0; i < count; i++) room.emit(message);
		},
		connections: () => live.io.of('/').sockets.size
	};
}
