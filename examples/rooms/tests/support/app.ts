import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { launchBrowser } from './browser.js';
import { proxyEnv } from './generation.js';

/** examples/rooms, where every app process runs. */
export const appDir = fileURLToPath(new URL('../..', import.meta.url));

/**
 * How the app is served:
 * - `build`: `node build`, adapter-node's output wrapped by liverpc/adapter;
 * - `dev`: `vite dev`, with the plugin serving sockets on Vite's own server;
 * - `custom`: `node server.js`, the custom-server example around `build/handler.js`;
 * - `preview`: `vite preview`, SvelteKit's preview of the build, with the plugin serving sockets.
 */
export type AppMode = 'build' | 'dev' | 'custom' | 'preview';

/** A running app process on loopback. */
export interface RunningApp {
	url: string;
	port: number;
	databasePath: string;
	/** The process id, to read its memory from /proc or check that it is still the same process. */
	pid: number;
	/** False once the process has exited, by itself or by a signal. */
	running(): boolean;
	/** Everything the process printed so far, for failure messages. */
	output(): string;
	/** Sends the signal (SIGTERM by default) and resolves with the exit code. */
	stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** A fresh SQLite file path in a temp dir removed by the returned cleanup. */
export function freshDatabase(): { databasePath: string; remove(): void } {
	const dir = mkdtempSync(path.join(tmpdir(), 'rooms-db-'));
	return { databasePath: path.join(dir, 'rooms.db'), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A port free right now on 127.0.0.1. */
export function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const probe = createServer();
		probe.once('error', reject);
		probe.listen(0, '127.0.0.1', () => {
			const { port } = probe.address() as { port: number };
			probe.close(() => resolve(port));
		});
	});
}

/** Vite's CLI as npm installed it (hoisted to the workspace root, or beside the app). */
function viteBin(): string {
	for (let dir = appDir; ; dir = path.dirname(dir)) {
		const candidate = path.join(dir, 'node_modules', 'vite', 'bin', 'vite.js');
		if (existsSync(candidate)) return candidate;
		if (dir === path.dirname(dir)) throw new Error('vite is not installed');
	}
}

/**
 * Starts the app and resolves once it answers HTTP. Each process gets its own port and,
 * unless one is given, its own database file; `env` adds to (or overrides) its environment.
 */
export async function startApp(
	mode: AppMode,
	options: { port?: number; databasePath: string; env?: Record<string, string> }
): Promise<RunningApp> {
	const port = options.port ?? (await freePort());
	const url = `http://127.0.0.1:${port}`;
	const proxy = mode === 'build' || mode === 'custom' ? proxyEnv : {};
	const env = { ...process.env, HOST: '127.0.0.1', PORT: String(port), ORIGIN: url, DATABASE_PATH: options.databasePath, ...proxy, ...options.env };
	const command =
		mode === 'build'
			? [process.execPath, 'build']
			: mode === 'custom'
				? [process.execPath, 'server.js']
				: [process.execPath, viteBin(), mode, '--host', '127.0.0.1', '--port', String(port), '--strictPort'];
	const child = spawn(command[0]!, command.slice(1), { cwd: appDir, env, stdio: ['ignore', 'pipe', 'pipe'] });

	let output = '';
	child.stdout!.on('data', (chunk) => (output += chunk));
	child.stderr!.on('data', (chunk) => (output += chunk));
	const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

	await waitForHttp(url, child, () => output, mode === 'dev' ? 90_000 : 30_000);
	return {
		url,
		port,
		databasePath: options.databasePath,
		pid: child.pid!,
		running: () => child.exitCode === null && child.signalCode === null,
		output: () => output,
		stop: (signal = 'SIGTERM') => stopProcess(child, exited, signal)
	};
}

async function waitForHttp(url: string, child: ChildProcess, output: () => string, timeout: number): Promise<void> {
	const deadline = Date.now() + timeout;
	while (Date.now() < deadline) {
		if (child.exitCode !== null) throw new Error(`The app exited with ${child.exitCode} before serving:\n${output()}`);
		try {
			const response = await fetch(url + '/');
			if (response.ok) return;
		} catch {
			// not listening yet
		}
		await new Promise((resolve) => setTimeout(resolve, 100));
	}
	child.kill('SIGKILL');
	throw new Error(`The app did not answer ${url} within ${timeout} ms:\n${output()}`);
}

async function stopProcess(child: ChildProcess, exited: Promise<number | null>, signal: NodeJS.Signals): Promise<number | null> {
	if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
	child.kill(signal);
	const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
	try {
		return await exited;
	} finally {
		clearTimeout(timer);
	}
}

/**
 * Waits for every one of `starts` (each assigning what it started), then throws the first
 * failure. Unlike Promise.all, a failure (no Chromium, say) does not leave a process that
 * did start unassigned, so the file's afterAll still stops it.
 */
export async function startAll(starts: Array<Promise<unknown>>): Promise<void> {
	const failed = (await Promise.allSettled(starts)).find((result) => result.status === 'rejected');
	if (failed) throw (failed as PromiseRejectedResult).reason;
}

/** What {@link useApp} gives a test file: its app, its database and a browser. */
export interface AppFixture {
	/** Reassign to a restarted process; the fixture stops whichever runs at the end. */
	app: RunningApp;
	browser: Browser;
	databasePath: string;
}

/**
 * Starts the app in `mode` on a fresh database and launches Chromium before the file's
 * tests, and stops, closes and removes all three after them.
 */
export function useApp(mode: AppMode): AppFixture {
	const database = freshDatabase();
	const fixture = { databasePath: database.databasePath } as AppFixture;
	beforeAll(async () => {
		await startAll([startApp(mode, database).then((app) => (fixture.app = app)), launchBrowser().then((browser) => (fixture.browser = browser))]);
	});
	afterAll(async () => {
		await fixture.browser?.close();
		await fixture.app?.stop();
		database.remove();
	});
	return fixture;
}
