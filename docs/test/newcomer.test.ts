// Issue #13's newcomer test: tutorial 01 followed as a newcomer follows it, once with npm and
// once with pnpm. In a fresh temp dir: the empty app `sv create` writes (SvelteKit 2, the
// kit options in vite.config.ts, no svelte.config.js), `liverpc` installed from the tarball
// `npm pack` makes of this repository, the tutorial's files copied over it
// (docs/tutorials/01-first-room/app), then `npm run check` (0 errors, 0 warnings),
// `npm run build`, `node build` as tutorial 06 starts it, and a join and a call over a real
// socket. Each run takes a minute or two; it logs `[newcomer npm] …` lines as it goes. Set
// NEWCOMER_KEEP=1 to keep the temp dirs (their paths are logged).
//
// What a newcomer meets on the way (seen with sv 0.17.1, SvelteKit 2.70.4, npm 11, pnpm 12.4.2),
// and what the test and the tutorial's files do about it:
//
// - liverpc is not on the npm registry yet: `npm install liverpc` answers `npm error 404 Not
//   Found - GET https://registry.npmjs.org/liverpc`. The test installs the tarball `npm pack`
//   makes (`npm install ./liverpc-0.1.0.tgz`, `pnpm add ./liverpc-0.1.0.tgz`): it lands in
//   `dependencies`, where `node build` needs it.
// - sv create's default adapter is adapter-auto, and wrapping it stops `vite build`:
//   `liverpcAdapter() cannot wrap @sveltejs/adapter-auto: LiveRPC keeps Socket.IO connections
//   open in one long-running Node process, …`. The app here is created with
//   `--add sveltekit-adapter="adapter:node"`, which writes adapter-node ^5.5.4.
// - Adding adapter-node later with `npm i -D @sveltejs/adapter-node` takes its latest, 6.x,
//   which is for SvelteKit 3: npm refuses (`ERESOLVE unable to resolve dependency tree … peer
//   @sveltejs/kit@"^3.0.0-next.0" from @sveltejs/adapter-node@6.0.1`); pnpm installs it with
//   `[WARN] Issues with peer dependencies found`, then the build stops with `This app has
//   @sveltejs/kit 2.70.4 with @sveltejs/adapter-node 6.0.1; SvelteKit 2 needs adapter-node 5:
//   npm install -D @sveltejs/adapter-node@^5`. Install `@sveltejs/adapter-node@5`.
// - Until `npm run dev`, `npm run check` or `npm run build` has run once with liverpc() in
//   vite.config.ts, the editor (and a bare `svelte-check`) says `Cannot find module './$socket'
//   or its corresponding type declarations.` in chat.socket.ts, plus "implicitly has an 'any'
//   type" for its handlers. sv's `check` script runs `svelte-kit sync` first, so `npm run
//   check` is clean.
// - Without the `SocketLocals` lines in src/app.d.ts, chat.socket.ts fails with `Property
//   'name' does not exist on type 'SocketLocals'.` (the hook itself compiles: the interface
//   is empty until declared).
// - A call declared without a schema takes no input: `call(({ locals }) => …)` with
//   `room.send({ text })` is `Expected 0 arguments, but got 1.`, and at run time a 400
//   `Invalid input` ("This call takes no input"). The tutorial's `send` has a small
//   hand-written Standard Schema, so it needs no schema library.
// - pnpm 12.4.2 needs no setting: no lockfile, no build approval (Vite 8 pulls in no esbuild,
//   so the `allowBuilds: { esbuild: true }` sv create writes for pnpm is moot, and nothing
//   is reported as ignored), no modules purge prompt in a fresh dir, and CI=true without a
//   lockfile installs too. It prints `✓ Lockfile passes supply-chain policies`.
// - Harmless lines of `vite build`, from SvelteKit itself: `Generated an empty chunk:
//   "chunks/env.js".` and `Run npm run preview to preview your production build locally.`;
//   on a busy machine Rolldown adds a `[PLUGIN_TIMINGS]` note.
// - In the browser everyone is `guest` until a `name` cookie is set (`document.cookie =
//   'name=Ada'`, then reload): the hook reads it; the test's clients send it as a header.
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LiveClient } from 'liverpc/client';
import type { RoomCall, RoomEvent, RoomJoin } from 'liverpc/server';
import { freePort } from '../../packages/liverpc/test/support/redis-server.js';
import { SV_FILES, SV_PNPM_WORKSPACE, svPackageJson } from './support/newcomer-sv-app.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const LIBRARY = path.join(REPO, 'packages/liverpc');
const LOCK_FILE = path.join(REPO, 'package-lock.json');
const TUTORIAL_APP = path.join(REPO, 'docs/tutorials/01-first-room/app');
const PNPM = path.join(path.dirname(createRequire(import.meta.url).resolve('pnpm/package.json')), 'pnpm');
const KEEP = process.env.NEWCOMER_KEEP === '1';
const TIMEOUT = 8 * 60_000;

// The room of the tutorial's src/routes/lobby/chat.socket.ts, as `liverpc/client` sees a
// contract (its stub in the browser: route id, export names and kinds), typed as the file
// declares it.
type Message = { name: string; text: string };
const lobby = {
	message: { '~liverpc': { kind: 'event', route: 'lobby/chat', name: 'message' } },
	enter: { '~liverpc': { kind: 'join', route: 'lobby/chat', name: 'enter' } },
	send: { '~liverpc': { kind: 'call', route: 'lobby/chat', name: 'send' } }
} as unknown as {
	message: RoomEvent<Message>;
	enter: RoomJoin<{ name: string }>;
	send: RoomCall<{ text: string }, Message>;
};

// npm's settings a child npm or pnpm still needs from the environment (where to download
// from, through what, and its cache); it reads the others from the .npmrc files again.
const KEPT_NPM_CONFIG = /^npm_config_(registry|@.*:registry|\/\/.*|cafile|ca|cert|key|proxy|https_proxy|noproxy|strict_ssl|cache)$/i;

/**
 * The environment a newcomer's shell has: none of the variables `npm test` and Vitest set
 * (npm_config_local_prefix=<this repo> and a `workspaces/true` user agent would make the
 * app's `npm install` this repository's, NODE_ENV=test would change the build), and none
 * of this repository's node_modules/.bin on PATH.
 */
function newcomerEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
	const env: NodeJS.ProcessEnv = {};
	for (const [key, value] of Object.entries(process.env)) {
		if (/^(npm_|pnpm_|VITEST|VITE_)/i.test(key) && !KEPT_NPM_CONFIG.test(key)) continue;
		if (['NODE_ENV', 'TEST', 'INIT_CWD', 'PROJECT_CWD'].includes(key)) continue;
		env[key] = value;
	}
	env.PATH = (process.env.PATH ?? '')
		.split(path.delimiter)
		.filter((dir) => !dir.startsWith(REPO))
		.join(path.delimiter);
	return { ...env, ...extra };
}

interface Ran {
	code: number | null;
	output: string;
	ms: number;
}

/** Runs a command to its end; its output (stdout and stderr as they came) is kept. */
function run(command: string, args: string[], cwd: string, env = newcomerEnv()): Promise<Ran> {
	const started = Date.now();
	return new Promise((resolve, reject) => {
		const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
		let output = '';
		child.stdout.on('data', (chunk: Buffer) => (output += chunk));
		child.stderr.on('data', (chunk: Buffer) => (output += chunk));
		child.once('error', reject);
		child.once('close', (code) => resolve({ code, output, ms: Date.now() - started }));
	});
}

/** Runs a command that must succeed; fails with the end of its output otherwise. */
async function must(command: string, args: string[], cwd: string, env?: NodeJS.ProcessEnv): Promise<Ran> {
	const ran = await run(command, args, cwd, env);
	if (ran.code !== 0) {
		throw new Error(`\`${path.basename(command)} ${args.join(' ')}\` exited with ${ran.code} in ${cwd}:\n${ran.output.slice(-6000)}`);
	}
	return ran;
}

/** The warnings a command printed, one per line, for the log. */
const warnings = (output: string) =>
	output
		.split('\n')
		.map((line) => line.trim())
		.filter((line) => /\bwarn(ing)?\b|\bWARN\b|deprecated/i.test(line));

async function until(check: () => boolean, what: string, timeout = 10_000): Promise<void> {
	const deadline = Date.now() + timeout;
	while (!check()) {
		if (Date.now() > deadline) throw new Error(`waited ${timeout} ms for ${what}`);
		await new Promise((resolve) => setTimeout(resolve, 20));
	}
}

/** `node build` as tutorial 06 starts it; resolves once adapter-node says it listens. */
function startServer(app: string, port: number, log: (line: string) => void): Promise<{ child: ChildProcess; output: () => string }> {
	const child = spawn(process.execPath, ['build'], {
		cwd: app,
		env: newcomerEnv({ HOST: '0.0.0.0', PORT: String(port), ORIGIN: `http://127.0.0.1:${port}` }),
		stdio: ['ignore', 'pipe', 'pipe']
	});
	let output = '';
	return new Promise((resolve, reject) => {
		const timer = setTimeout(() => {
			child.kill('SIGKILL');
			reject(new Error(`node build did not say "Listening on" within 30 s:\n${output}`));
		}, 30_000);
		const onData = (chunk: Buffer) => {
			output += chunk;
			if (/Listening on/.test(output)) {
				clearTimeout(timer);
				log(`node build: ${output.trim().split('\n').find((line) => line.includes('Listening on'))}`);
				resolve({ child, output: () => output });
			}
		};
		child.stdout!.on('data', onData);
		child.stderr!.on('data', onData);
		child.once('exit', (code, signal) => {
			clearTimeout(timer);
			reject(new Error(`node build exited (${code ?? signal}) before listening:\n${output}`));
		});
	});
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
	if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
	return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

interface PackageManager {
	name: 'npm' | 'pnpm';
	/** What sv create runs after writing the app (`npm install`). */
	install(app: string, work: string): [string, string[]];
	/** The tutorial's install of liverpc. */
	add(tarball: string, work: string): [string, string[]];
	/** `npm run <script>`. */
	run(script: string): [string, string[]];
	/** Files sv create writes for this package manager. */
	files: Record<string, string>;
}

const npm: PackageManager = {
	name: 'npm',
	install: () => ['npm', ['install', '--prefer-offline', '--no-audit', '--no-fund']],
	add: (tarball) => ['npm', ['install', tarball, '--prefer-offline', '--no-audit', '--no-fund']],
	run: (script) => ['npm', ['run', script]],
	files: {}
};

// pnpm's store lives in the temp dir (so each run starts from an empty one); its metadata
// cache is the user's, so a second run resolves offline-first.
const pnpm: PackageManager = {
	name: 'pnpm',
	install: (_app, work) => [PNPM, ['install', '--prefer-offline', `--store-dir=${path.join(work, 'pnpm-store')}`]],
	add: (tarball, work) => [PNPM, ['add', tarball, '--prefer-offline', `--store-dir=${path.join(work, 'pnpm-store')}`]],
	run: (script) => [PNPM, ['run', script]],
	files: { 'pnpm-workspace.yaml': SV_PNPM_WORKSPACE }
};

let packDir: string;
let tarball: string;
let createClient: typeof import('liverpc/client').createClient;

beforeAll(async () => {
	const started = Date.now();
	await must('npm', ['run', 'build', '-w', 'liverpc'], REPO, newcomerEnv());
	packDir = mkdtempSync(path.join(os.tmpdir(), 'newcomer-pack-'));
	const packed = await must('npm', ['pack', '--json', '--pack-destination', packDir], LIBRARY, newcomerEnv());
	const [{ filename }] = JSON.parse(packed.output.slice(packed.output.indexOf('['))) as Array<{ filename: string }>;
	tarball = path.join(packDir, filename);
	expect(existsSync(tarball), tarball).toBe(true);
	console.log(`[newcomer] built and packed liverpc: ${tarball} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
	// The test's own client: the workspace's copy, just built.
	({ createClient } = await import('liverpc/client'));
}, 5 * 60_000);

afterAll(() => {
	if (packDir && !KEEP) rmSync(packDir, { recursive: true, force: true });
});

describe.each([npm, pnpm])('tutorial 01 with $name', (manager) => {
	it(
		'installs the packed liverpc into sv create’s app, type-checks, builds, and serves the lobby’s room from node build',
		async () => {
			const started = Date.now();
			const seconds = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
			const log = (line: string) => console.log(`[newcomer ${manager.name}] ${line}`);
			const work = mkdtempSync(path.join(os.tmpdir(), `newcomer-${manager.name}-`));
			const app = path.join(work, 'my-app');
			const clients: LiveClient[] = [];
			let server: ChildProcess | undefined;
			let serverOutput = () => '';
			log(`app in ${app}${KEEP ? ' (kept, with each step\'s output in ../<step>.log)' : ''}`);
			// One command of the tutorial, in the app; its output is kept beside the app.
			const step = async (name: string, [command, args]: [string, string[]], { mayFail = false } = {}) => {
				const ran = mayFail ? await run(command, args, app) : await must(command, args, app).catch((failed: Error) => {
					writeFileSync(path.join(work, `${name}.log`), failed.message);
					throw failed;
				});
				writeFileSync(path.join(work, `${name}.log`), ran.output);
				log(`${name}: ${(ran.ms / 1000).toFixed(1)} s`);
				for (const line of warnings(ran.output)) log(`  ${name} said: ${line}`);
				return ran;
			};
			try {
				// 1. `npx sv create my-app` (minimal, TypeScript, adapter-node), which installs.
				for (const [file, text] of Object.entries({ ...SV_FILES, ...manager.files, 'package.json': svPackageJson('my-app', LOCK_FILE) })) {
					mkdirSync(path.dirname(path.join(app, file)), { recursive: true });
					writeFileSync(path.join(app, file), text);
				}
				await step('install', manager.install(app, work));

				// 2. The tutorial: install liverpc, then add and change its files.
				await step('add-liverpc', manager.add(tarball, work));
				const manifest = JSON.parse(readFileSync(path.join(app, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
				// `node build` imports liverpc at run time: a dependency, not a devDependency.
				expect(Object.keys(manifest.dependencies ?? {})).toEqual(['liverpc']);
				cpSync(TUTORIAL_APP, app, { recursive: true });

				// 3. `npm run check`: svelte-kit sync (which writes ./$socket's types), then svelte-check.
				const checked = await step('check', manager.run('check'), { mayFail: true });
				const summary = /svelte-check found (\d+) errors? and (\d+) warnings?/.exec(checked.output);
				log(`svelte-check: ${summary ? `${summary[1]} errors, ${summary[2]} warnings` : 'no summary'}`);
				expect(summary?.slice(1, 3), checked.output).toEqual(['0', '0']);
				expect(checked.code, checked.output).toBe(0);

				// 4. `npm run build`: vite build, adapter-node and LiveRPC's wrapper.
				await step('build', manager.run('build'));
				expect(existsSync(path.join(app, 'build/index.js'))).toBe(true);

				// 5. `HOST=0.0.0.0 PORT=… ORIGIN=… node build`, as tutorial 06 says.
				const port = await freePort();
				const origin = `http://127.0.0.1:${port}`;
				const running = await startServer(app, port, log);
				server = running.child;
				serverOutput = running.output;

				const page = await fetch(`${origin}/lobby`);
				expect(page.status).toBe(200);
				expect(await page.text()).toContain('<h1>Lobby</h1>');
				log('GET /lobby: 200');

				// 6. Two tabs in the lobby, one with a name cookie for the socket hook.
				const ada = createClient({ url: origin, headers: { cookie: 'name=Ada' } });
				const guest = createClient({ url: origin });
				clients.push(ada, guest);
				const adaRoom = ada.live(lobby);
				const guestRoom = guest.live(lobby);
				const heardByAda: Message[] = [];
				const heardByGuest: Message[] = [];
				adaRoom.on('message', (message) => heardByAda.push(message));
				guestRoom.on('message', (message) => heardByGuest.push(message));
				await until(() => adaRoom.status !== 'joining' && guestRoom.status !== 'joining', 'both joins');
				expect([adaRoom.status, adaRoom.error, guestRoom.status, guestRoom.error]).toEqual(['joined', undefined, 'joined', undefined]);
				expect(adaRoom.joined).toEqual({ name: 'Ada' });
				expect(guestRoom.joined).toEqual({ name: 'guest' });
				log('joined lobby/chat twice (Ada and a guest)');

				const reply = await adaRoom.send({ text: 'hello' });
				expect(reply).toEqual({ name: 'Ada', text: 'hello' });
				await until(() => heardByAda.length > 0 && heardByGuest.length > 0, 'the message event');
				expect(heardByAda).toEqual([reply]);
				expect(heardByGuest).toEqual([reply]);
				await expect(guestRoom.send({ text: '  ' })).rejects.toMatchObject({ status: 400, message: 'Write a message' });
				log('send: replied, message event heard by both, blank text refused with 400');

				// 7. SIGTERM, as a process manager stops it: `node build` ends by itself, with 0.
				for (const client of clients.splice(0)) client.close();
				server.kill('SIGTERM');
				const end = await exited(server);
				expect(end, running.output()).toEqual({ code: 0, signal: null });
				server = undefined;
				log(`node build stopped by SIGTERM with exit code 0; ${seconds()} in all`);
			} finally {
				writeFileSync(path.join(work, 'node-build.log'), serverOutput());
				for (const client of clients) client.close();
				if (server && server.exitCode === null && server.signalCode === null) {
					server.kill('SIGKILL');
					await exited(server);
				}
				if (!KEEP) rmSync(work, { recursive: true, force: true });
			}
		},
		TIMEOUT
	);
});
