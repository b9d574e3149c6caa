// The floor: plain `ws` with JSON frames and no framework at all.
import * as v from 'valibot';
import { Sender, WebSocketServer } from 'ws';
import { inputSchema } from '../lib/workload.mjs';

export function start(httpServer) {
	const wss = new WebSocketServer({ server: httpServer });
	const room = new Set();
	wss.on('connection', (ws) => {
		ws.on('message', (data) => {
			const message = JSON.parse(data);
			if (message.t === 'join') {
				room.add(ws);
				ws.send(JSON.stringify({ i: message.i, r: { room: 'room:1' } }));
			} else if (message.t === 'echo') {
				ws.send(JSON.stringify({ i: message.i, r: { n: message.input.n } }));
			} else if (message.t === 'checked') {
				const result = v.safeParse(inputSchema, message.input);
				ws.send(JSON.stringify(result.success ? { i: message.i, r: { n: result.output.n } } : { i: message.i, e: 400 }));
			}
		});
		ws.on('close', () => room.delete(ws));
	});
	return {
		broadcast(count, message) {
			for (let i = 0; i < count; i++) {
				// Encoded and framed once per emit, as Socket.IO's broadcast does (engine.io
				// hands the same pre-built WebSocket frame to every member's sender).
				const data = Buffer.from(JSON.stringify({ e: 'msg', p: message }));
				const frame = Sender.frame(data, { fin: true, rsv1: false, opcode: 1, mask: false, readOnly: false });
				for (const ws of room) ws._sender.sendFrame(frame);
			}
		},
		connections: () => wss.clients.size
	};
}
