#!/usr/bin/env node
// The figures of issue #19's four per-connection attacks, measured against a LiveRPC server
// in a process of its own (so its CPU and heap are its own), over 127.0.0.1:
//   join    a re-join whose resume names a message 2,000 back: reply bytes, server CPU ms
//   slow    a connection that stops reading and re-joins like that 10 times a second:
//           what the server holds unsent for it, each second for 8 s
//   leave   one connection sending only LEAVE packets for 5 s: how many the server handled
//   auth    400 idle connections, with the client's own auth and with a 60 kB one: heap each
// Usage: node bench/attacks-19.mjs [join,slow,leave,auth]   (LIB=<a liverpc package folder>
// measures another build, e.g. one from before the change). The history mimics the example's
// messages.since(): every message after the last one (at most 2,000) when it does not read
// `limit`, the newest `limit` + 1 when it does.
import { fork } from 'node:child_process';
import http from 'node:http';
import { fileURLToPath, pathToFileURL } from 'node:url';
import WebSocket from 'ws';

const LIB = process.env.LIB ?? fileURLToPath(new URL('../packages/liverpc', import.meta.url));
const MESSAGES = 2001;
const TEXT = 'x'.repeat(2000); // the example's longest message


async function serve() {
	const { attach } = await import(pathToFileURL(`${LIB}/dist/exports/node/index.js`).href);
	const { event } = await import(pathToFileURL(`${LIB}/dist/exports/server/index.js`).href);
	const stored = Array.from({ length: MESSAGES }, (_, index) => ({
		id: index + 1,
		roomId: 'r',
		userId: 'u-bob',
		userName: 'Bob',
		text: TEXT,
		createdAt: new Date(1_700_000_000_000 + index).toISOString()
	}));
	const message = event({
		id: 'id',
		history: ({ lastEventId, limit }) => {
			if (typeof lastEventId !== 'number') return stored.slice(-50);
			const after = stored.filter((row) => row.id > lastEventId);
			if (typeof limit !== 'number') return after.slice(0, 2000); // the example before #19
			const max = Math.min(limit, 2000);
			return after.length > max ? { events: after.slice(-max), complete: false } : after;
		}
	});
	const httpServer = http.createServer();
	const live = attach(httpServer, { contracts: { 'chat/[roomId]': { message } } });
	let leaves = 0;
	live.io.on('connection', (socket) => socket.on('l', () => leaves++));
	await new Promise((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
	const held = () => {
		let most = 0;
		for (const socket of Object.values(live.io.engine.clients)) {
			let bytes = 0;
			for (const packet of socket.writeBuffer) if (typeof packet.data === 'string') bytes += packet.data.length;
			if (socket.transport.name === 'websocket') bytes += socket.transport.socket?.bufferedAmount ?? 0;
			most = Math.max(most, bytes);
		}
		return most;
	};
	process.on('message', ({ id, ask }) => {
		const answers = {
			cpu: () => process.cpuUsage(),
			held,
			clients: () => live.io.engine.clientsCount,
			leaves: () => leaves,
			heap: () => {
				for (let i = 0; i < 3; i++) globalThis.gc();
				return process.memoryUsage().heapUsed;
			}
		};
		process.send({ id, answer: answers[ask]() });
	});
	process.send({ port: httpServer.address().port });
}

async function startServer() {
	const child = fork(fileURLToPath(import.meta.url), ['--server'], { execArgv: ['--expose-gc'] });
	const port = await new Promise((resolve) => child.once('message', ({ port }) => resolve(port)));
	let next = 0;
	const ask = (what) =>
		new Promise((resolve) => {
			const id = ++next;
			const listener = (reply) => {
				if (reply.id !== id) return;
				child.off('message', listener);
				resolve(reply.answer);
			};
			child.on('message', listener);
			child.send({ id, ask: what });
		});
	return { url: `ws://127.0.0.1:${port}/_liverpc/?EIO=4&transport=websocket`, ask, stop: () => child.kill() };
}

/** A raw websocket speaking Engine.IO/Socket.IO by hand; resolves once CONNECT was answered. */
async function rawClient(url, auth = { k: 'bench-client-key-0123456789' }) {
	const ws = new WebSocket(url);
	const frames = [];
	const waiters = new Set();
	ws.on('message', (data) => {
		const frame = data.toString();
		if (frame === '2') return ws.send('3');
		for (const waiter of waiters) if (waiter.match(frame)) return waiters.delete(waiter), waiter.resolve(frame);
		frames.push(frame);
	});
	ws.on('error', () => {});
	const closed = new Promise((resolve) => ws.once('close', resolve));
	const next = (match) => new Promise((resolve) => waiters.add({ match, resolve }));
	await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)));
	const answer = next((frame) => frame.startsWith('40') || frame.startsWith('44'));
	ws.send(`40${JSON.stringify(auth)}`);
	const connected = (await answer).startsWith('40{');
	return { ws, next, closed, connected, frames };
}

const rejoin = (ack) => `42${ack}${JSON.stringify(['j', 'chat/[roomId]', { roomId: 'r' }, ['elsewhere.1', 5, { message: 1 }]])}`;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const cpuMs = (a, b) => (b.user - a.user + b.system - a.system) / 1000;
const median = (list) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)];

async function main(scenarios) {
	console.log(`liverpc from ${LIB}`);
	for (const scenario of scenarios) {
		const server = await startServer();
		try {
			await { join: joinReply, slow: slowReader, leave: leaveFlood, auth: idleAuth }[scenario](server);
		} finally {
			server.stop();
		}
	}
}

async function joinReply(server) {
	const client = await rawClient(server.url);
	const bytes = [];
	const cpu = [];
	for (let n = 1; n <= 10; n++) {
		const before = await server.ask('cpu');
		const answer = client.next((frame) => frame.startsWith(`43${n}[`));
		client.ws.send(rejoin(n));
		const frame = await answer;
		cpu.push(cpuMs(before, await server.ask('cpu')));
		bytes.push(Buffer.byteLength(frame));
		await sleep(150); // within 10 joins/s
	}
	console.log(`join: reply ${(median(bytes) / 1e6).toFixed(2)} MB, server CPU ${median(cpu).toFixed(1)} ms (median of 10 re-joins)`);
	client.ws.close();
}

async function slowReader(server) {
	const client = await rawClient(server.url);
	client.ws._socket.pause(); // stops reading; writing goes on
	let ack = 0;
	const timer = setInterval(() => client.ws.readyState === WebSocket.OPEN && client.ws.send(rejoin(++ack)), 100);
	const samples = [];
	let most = 0;
	for (let second = 1; second <= 8; second++) {
		for (let tick = 0; tick < 10; tick++) {
			await sleep(100);
			most = Math.max(most, await server.ask('held'));
		}
		samples.push(((await server.ask('held')) / 1e6).toFixed(1));
	}
	clearInterval(timer);
	const open = await server.ask('clients');
	console.log(`slow: held after each second (MB): ${samples.join(' ')}; most ${(most / 1e6).toFixed(1)} MB; connection ${open ? 'still open' : 'closed'}`);
	client.ws.terminate();
}

async function leaveFlood(server) {
	const client = await rawClient(server.url);
	let closedAt;
	void client.closed.then(() => (closedAt = Date.now()));
	const started = Date.now();
	let sent = 0;
	while (Date.now() - started < 5000 && closedAt === undefined) {
		if (client.ws._socket.writableLength < 1_000_000) {
			for (let i = 0; i < 200; i++) client.ws.send(`42["l",${sent++}]`);
		}
		await sleep(1);
	}
	await sleep(200);
	const handled = await server.ask('leaves');
	console.log(`leave: ${handled} LEAVEs handled in 5 s (${sent} sent); ${closedAt ? `closed after ${closedAt - started} ms` : 'never closed'}`);
	client.ws.terminate();
}

async function idleAuth(server) {
	const perConnection = async (auth) => {
		const before = await server.ask('heap');
		const clients = [];
		for (let i = 0; i < 400; i++) clients.push(await rawClient(server.url, auth));
		await sleep(500);
		const after = await server.ask('heap');
		const admitted = clients.filter((client) => client.connected).length;
		for (const client of clients) client.ws.terminate();
		await sleep(500);
		return { kb: (after - before) / 400 / 1024, admitted };
	};
	const small = await perConnection({ k: 'bench-client-key-0123456789' });
	const big = await perConnection({ k: 'bench-client-key-0123456789', pad: 'x'.repeat(60_000) });
	console.log(
		`auth: ${small.kb.toFixed(1)} kB per idle connection with the client's auth (${small.admitted}/400 admitted); ` +
			`${big.kb.toFixed(1)} kB with a 60 kB auth (${big.admitted}/400 admitted)`
	);
}

if (process.argv[2] === '--server') await serve();
else await main(process.argv[2]?.split(',') ?? ['join', 'slow', 'leave', 'auth']);
