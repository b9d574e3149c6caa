// One client adapter per implementation, each with the same three verbs: join the room,
// make a call, listen to room events. Each adapter uses that implementation's real client.
import { pathToFileURL } from 'node:url';
import { io } from 'socket.io-client';
import WebSocket from 'ws';
import { COOKIE, RAW_ROOM, ROOM_ID } from '../lib/workload.mjs';

// BENCH_LIVERPC_DIR: the client of that other build too (see server/liverpc.mjs).
const { createClient } = await import(
	process.env.BENCH_LIVERPC_DIR ? pathToFileURL(`${process.env.BENCH_LIVERPC_DIR}/dist/exports/client/index.js`).href : 'liverpc/client'
);

// What the Vite plugin would put in the browser bundle for the bench contract: markers only.
const marker = (kind, name) => ({ '~liverpc': { kind, route: 'bench/[id]', name } });
const benchStub = { msg: marker('event', 'msg'), echo: marker('call', 'echo'), checked: marker('call', 'checked') };

function once(emitter, event) {
	return new Promise((resolve, reject) => {
		emitter.once(event, resolve);
		emitter.once('connect_error', reject);
	});
}

export const adapters = {
	'raw-socketio': {
		async connect(url, { room } = {}) {
			const socket = io(url, { transports: ['websocket'], forceNew: true, reconnection: false, extraHeaders: { cookie: COOKIE } });
			await once(socket, 'connect');
			return {
				join: () => new Promise((resolve) => socket.emit('join', room ? `room:${room}` : RAW_ROOM, resolve)),
				call: (name, input) =>
					new Promise((resolve, reject) => socket.emit(name, input, (error, output) => (error ? reject(error) : resolve(output)))),
				onEvent: (listener) => socket.on('msg', listener),
				close: () => socket.close()
			};
		}
	},

	liverpc: {
		// `reconnect`: for the flood's attackers, which come back when the server closes them.
		async connect(url, { reconnect = false, room: roomId = ROOM_ID } = {}) {
			const client = createClient({
				url,
				headers: { cookie: COOKIE },
				socket: { transports: ['websocket'], reconnection: reconnect }
			});
			let room;
			return {
				async join() {
					room = client.live(benchStub, { id: roomId });
					while (room.status !== 'joined') {
						if (room.status === 'rejected') throw new Error(room.error.message);
						await new Promise((resolve) => setTimeout(resolve, 2));
					}
				},
				call: (name, input) => room[name](input),
				onEvent: (listener) => room.on('msg', listener),
				close: () => client.close()
			};
		}
	},

	'raw-ws': {
		async connect(url) {
			const ws = new WebSocket(url.replace('http', 'ws'), { headers: { cookie: COOKIE } });
			await new Promise((resolve, reject) => {
				ws.once('open', resolve);
				ws.once('error', reject);
			});
			let next = 0;
			const waiting = new Map();
			let eventListener;
			ws.on('message', (data) => {
				const message = JSON.parse(data);
				if (message.e) return eventListener?.(message.p);
				const entry = waiting.get(message.i);
				waiting.delete(message.i);
				if (message.r !== undefined) entry.resolve(message.r);
				else entry.reject(message);
			});
			const request = (t, input) =>
				new Promise((resolve, reject) => {
					const i = next++;
					waiting.set(i, { resolve, reject });
					ws.send(JSON.stringify({ t, i, input }));
				});
			return {
				join: () => request('join'),
				call: (name, input) => request(name, input),
				onEvent: (listener) => (eventListener = listener),
				close: () => ws.close()
			};
		}
	}
};

/** A bare handshake, for the handshakes/s scenario: connect, and nothing else. */
export const handshakers = {
	'raw-socketio': (url) => adapters['raw-socketio'].connect(url),
	// The LiveRPC server runs its socket hook on this; the client side is the same socket.io-client.
	liverpc: async (url) => {
		const socket = io(url, { path: '/_liverpc', transports: ['websocket'], forceNew: true, reconnection: false, extraHeaders: { cookie: COOKIE } });
		await once(socket, 'connect');
		return { close: () => socket.close() };
	},
	'raw-ws': (url) => adapters['raw-ws'].connect(url)
};
