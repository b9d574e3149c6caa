import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

// A real redis-server from Debian for the scale-out tests (#12): a free port, a temp dir, no
// persistence; started and stopped by the test itself.

/**
 * How long a process's presence entries outlive its last refresh in Redis (it refreshes them
 * every third of that): how long a test waits for a dead process's members to go. Given here
 * so the example's tests, which start this server, take nothing from the library's source.
 */
export { PRESENCE_TTL_MS } from '../../src/runtime/server/cluster/redis-writer.js';

export interface RedisServer {
	url: string;
	port: number;
	/** Stops it (SIGKILL when `hard`), keeping the port for a restart; it comes back empty. */
	stop(hard?: boolean): Promise<void>;
	/** Stops it after writing its data to disk: the next start() comes back with everything. */
	stopKeepingData(): Promise<void>;
	/** Writes a snapshot of its data now (SAVE). */
	save(): Promise<void>;
	/** Stops it without saving: the next start() comes back with the last snapshot, an older copy. */
	stopBackToSnapshot(): Promise<void>;
	/** Starts it again on the same port. */
	start(): Promise<void>;
	/** Stops it for good and removes its temp dir. */
	close(): Promise<void>;
}

export function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = net.createServer();
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const { port } = server.address() as net.AddressInfo;
			server.close(() => resolve(port));
		});
	});
}

async function waitForPort(port: number, timeout = 10_000): Promise<void> {
	const deadline = Date.now() + timeout;
	for (;;) {
		const ready = await new Promise<boolean>((resolve) => {
			const socket = net.connect(port, '127.0.0.1');
			socket.once('connect', () => {
				socket.write('PING\r\n');
				socket.once('data', (data) => {
					socket.destroy();
					resolve(data.toString().startsWith('+PONG'));
				});
			});
			socket.once('error', () => resolve(false));
		});
		if (ready) return;
		if (Date.now() > deadline) throw new Error(`redis-server did not answer on port ${port}`);
		await new Promise((resolve) => setTimeout(resolve, 50));
	}
}

export async function startRedis(): Promise<RedisServer> {
	const port = await freePort();
	const dir = mkdtempSync(path.join(os.tmpdir(), 'liverpc-redis-'));
	let child: ChildProcess | undefined;
	const start = async () => {
		child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'], {
			stdio: 'ignore'
		});
		child.once('error', (error) => {
			throw new Error(`redis-server could not start (apt-get install -y redis-server): ${error.message}`);
		});
		await waitForPort(port);
	};
	await start();
	const kill = async (hard: boolean) => {
		const running = child;
		if (!running || running.exitCode !== null) return;
		await new Promise<void>((resolve) => {
			running.once('exit', () => resolve());
			running.kill(hard ? 'SIGKILL' : 'SIGTERM');
		});
	};
	const stop = async (hard = false) => {
		await kill(hard);
		// A snapshot an earlier stopKeepingData() or save() left would be loaded at the next
		// start: "comes back empty" would be "comes back from an older copy".
		rmSync(path.join(dir, 'dump.rdb'), { force: true });
	};
	const command = (line: string) =>
		new Promise<string>((resolve, reject) => {
			const socket = net.connect(port, '127.0.0.1', () => socket.write(`${line}\r\n`));
			socket.once('data', (data) => {
				socket.destroy();
				resolve(data.toString());
			});
			socket.once('error', reject);
		});
	const stopKeepingData = async () => {
		const running = child;
		if (!running || running.exitCode !== null) return;
		const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
		// SHUTDOWN SAVE writes dump.rdb to the temp dir, which the next start loads.
		await new Promise<void>((resolve) => {
			const socket = net.connect(port, '127.0.0.1', () => socket.write('SHUTDOWN SAVE\r\n'));
			socket.once('close', () => resolve());
			socket.once('error', () => resolve());
		});
		await exited;
	};
	return {
		url: `redis://127.0.0.1:${port}`,
		port,
		start,
		stop,
		stopKeepingData,
		async save() {
			const reply = await command('SAVE');
			if (!reply.startsWith('+OK')) throw new Error(`redis-server did not save: ${reply.trim()}`);
		},
		stopBackToSnapshot: () => kill(false),
		async close() {
			await stop(true);
			rmSync(dir, { recursive: true, force: true });
		}
	};
}
