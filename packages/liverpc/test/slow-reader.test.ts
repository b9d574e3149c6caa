import type { Socket as TcpSocket } from 'node:net';
import { expect, it, onTestFinished } from 'vitest';
import WebSocket from 'ws';
import { event } from 'liverpc/server';
import type { LiveServer } from 'liverpc/node';
import { connect, contracts, eventually, startServer, stillServing } from './harness.js';
import { pollingHandshake, pollingPost } from './support/raw-engine-polling.js';

// Slow readers (#19): a connection that stopped reading made the server hold 285 MB of
// replies for it after 8 s. Now the server holds at most `maxBufferedBytes` unsent for one
// connection (Engine.IO's write buffer and the websocket's buffered amount, plus the packet
// that passes the cap) and closes it; the other members of the room see nothing of it.

/** A room without a guard whose event the test pushes from outside, as a job would. */
const news = { story: event<{ n: number; text: string }>() };
const ROUTE = 'news/news';
const STORY_TEXT = 'x'.repeat(64 * 1024);
const CAP = 4 * 1024 * 1024; // the default

interface EngineSocket {
	readyState: string;
	writeBuffer: { data?: unknown }[];
	transport: { name: string; socket?: { bufferedAmount: number } };
}

/** What the server holds unsent for one connection, measured as the cap is. */
function held(socket: EngineSocket): number {
	let bytes = 0;
	for (const packet of socket.writeBuffer) if (typeof packet.data === 'string') bytes += packet.data.length;
	if (socket.transport.name === 'websocket') bytes += socket.transport.socket?.bufferedAmount ?? 0;
	return bytes;
}

/**
 * Pushes 64 kB stories to the room (2,000 at most: 128 MB) until `reader` is closed,
 * letting the network move between batches, and returns the most the server held for it.
 */
async function pushUntilClosed(server: LiveServer, reader: EngineSocket): Promise<{ most: number; pushed: number }> {
	let most = 0;
	let pushed = 0;
	while (reader.readyState !== 'closed' && pushed < 2000) {
		news.story.to({}).emit({ n: ++pushed, text: STORY_TEXT });
		most = Math.max(most, held(reader));
		if (pushed % 10 === 0) await new Promise((resolve) => setTimeout(resolve, 5));
	}
	return { most, pushed };
}

/** A real client in the same room, counting the stories it gets. */
function bystander(url: string) {
	const room = connect(url, 'session=s-bob').live(news, {});
	const seen: number[] = [];
	room.on('story', ({ n }) => seen.push(n));
	return { room, seen };
}

async function serve() {
	return startServer({ contracts: { ...contracts, [ROUTE]: news } });
}

it('closes a websocket that stops reading once it holds maxBufferedBytes; the others get every story', async () => {
	const { url, server } = await serve();
	const other = bystander(url);
	await eventually(() => expect(other.room.status).toBe('joined'));

	const engineClients = (server.io.engine as unknown as { clients: Record<string, EngineSocket> }).clients;
	const others = new Set(Object.keys(engineClients));
	const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/_liverpc/?EIO=4&transport=websocket`);
	onTestFinished(() => ws.terminate());
	const frames: string[] = [];
	ws.on('message', (data) => frames.push(data.toString()));
	ws.on('error', () => {});
	await new Promise((resolve) => ws.once('open', resolve));
	ws.send('40');
	await eventually(() => expect(frames.some((frame) => frame.startsWith('40{'))).toBe(true));
	ws.send(`421${JSON.stringify(['j', ROUTE, {}])}`);
	await eventually(() => expect(frames.some((frame) => frame.startsWith('431[null'))).toBe(true));
	const reader = Object.entries(engineClients).find(([id]) => !others.has(id))![1];
	// The reader stops reading: its TCP socket is paused, and the kernel's buffers fill up.
	(ws as unknown as { _socket: TcpSocket })._socket.pause();

	const { most, pushed } = await pushUntilClosed(server, reader);
	expect(reader.readyState).toBe('closed');
	expect(most).toBeLessThanOrEqual(CAP + STORY_TEXT.length + 1024);
	await eventually(() => expect(other.seen).toHaveLength(pushed), 10_000);
	expect(other.room.status).toBe('joined');
	await stillServing(url);
});

it('closes a polling session that stops asking for its packets once it holds maxBufferedBytes', async () => {
	const { url, server } = await serve();
	const other = bystander(url);
	await eventually(() => expect(other.room.status).toBe('joined'));

	const open = await pollingHandshake(url);
	const sid = (JSON.parse(open.body.slice(1)) as { sid: string }).sid;
	const reader = (server.io.engine as unknown as { clients: Record<string, EngineSocket> }).clients[sid]!;
	expect(await pollingPost(url, sid, '40')).toBe(200);
	expect(await pollingPost(url, sid, `421${JSON.stringify(['j', ROUTE, {}])}`)).toBe(200);
	// The join's answer waits in the session's buffer: this client never polls for it.
	await eventually(() => expect(reader.writeBuffer.some((packet) => String(packet.data).startsWith('31[null'))).toBe(true));

	const { most, pushed } = await pushUntilClosed(server, reader);
	expect(reader.readyState).toBe('closed');
	expect(most).toBeLessThanOrEqual(CAP + STORY_TEXT.length + 1024);
	await eventually(() => expect(other.seen).toHaveLength(pushed), 10_000);
	expect(other.room.status).toBe('joined');
});
