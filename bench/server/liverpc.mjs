// LiveRPC on liverpc/node, with a socket hook that reads one cookie like the tutorial's.
import { pathToFileURL } from 'node:url';
import { inputSchema, ROOM_ID } from '../lib/workload.mjs';

// BENCH_LIVERPC_DIR: another build of the library (its package folder, with dist/ built),
// e.g. a worktree at an older commit, so two versions run in one bench run.
const library = (entry) => (process.env.BENCH_LIVERPC_DIR ? pathToFileURL(`${process.env.BENCH_LIVERPC_DIR}/dist/exports/${entry}/index.js`).href : `liverpc/${entry}`);
const { attach } = await import(library('node'));
const { call, event, handleSocket } = await import(library('server'));

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

// The pipelined scenario runs 100 clients at hundreds of calls/s each, over the default
// 50/s per connection: it raises the call limits, which are still checked on every call.
// The flood scenario runs with the defaults (BENCH_LIMITS=default), as an app would.
// Every bench client is anonymous and connects from 127.0.0.1, where an app's would be many
// users at many addresses: the limits shared by one address or one user (#19) are raised in
// both modes, or 5,000 members could not connect and the 100 pipelining clients would share
// one address's 200 calls/s.
const manyUsersFromOneAddress = {
	handshakesPerSecondPerAddress: Infinity,
	handshakeBurstPerAddress: Infinity,
	maxConnectionsPerAddress: Infinity,
	callsPerSecondPerUser: Infinity,
	callBurstPerUser: Infinity,
	joinsPerSecondPerUser: Infinity,
	joinBurstPerUser: Infinity,
	handshakesPerSecond: Infinity,
	maxConnections: Infinity
};
const limits = process.env.BENCH_LIMITS === 'default' ? manyUsersFromOneAddress : { ...manyUsersFromOneAddress, callsPerSecond: 1e9, callBurst: 1e9 };

export function start(httpServer, { wsEngine, redis }) {
	const live = attach(httpServer, {
		handle,
		contracts: { 'bench/[id]': contract },
		limits,
		...(redis ? { redis } : {}),
		socket: wsEngine ? { wsEngine } : {}
	});
	const room = msg.to({ id: ROOM_ID });
	return {
		broadcast(count, message) {
			for (let i = 0; i < count; i++) room.emit(message);
		},
		emitTo: (id, message) => msg.to({ id }).emit(message),
		connections: () => live.io.of('/').sockets.size
	};
}
