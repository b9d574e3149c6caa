// #11, part 1: route params typed from folder names with nothing the user writes or runs.
// A SvelteKit 2 app laid out as `sv create` writes it (the kit config in vite.config.js) goes
// through the real `svelte-kit sync`, which resolves the Vite config with liverpc() in it;
// then the real TypeScript compiler checks its contract, a form action and page code under
// noUncheckedIndexedAccess. Every `@ts-expect-error` below must be an error, and nothing else.
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from './harness.js';

const run = promisify(execFile);
const NODE_MODULES = fileURLToPath(new URL('../../../node_modules', import.meta.url));

const files: Record<string, string> = {
	'package.json': JSON.stringify({ name: 'typed-params-app', private: true, type: 'module' }),
	'vite.config.js': [
		"import { sveltekit } from '@sveltejs/kit/vite';",
		"import { liverpc } from 'liverpc/vite';",
		'export default { plugins: [sveltekit(), liverpc()] };'
	].join('\n'),
	'tsconfig.json': JSON.stringify({
		extends: './.svelte-kit/tsconfig.json',
		compilerOptions: { strict: true, noUncheckedIndexedAccess: true, skipLibCheck: true, noEmit: true, types: [] }
	}),
	'src/app.html': '<html><head>%sveltekit.head%</head><body>%sveltekit.body%</body></html>',
	'src/routes/rooms/[roomId]/chat.socket.ts': `
import { admit, call, error, event, join } from './$socket';
export const message = event<{ id: number; text: string }>({ id: 'id', history: ({ params }) => (params.roomId ? [] : []) });
export const enter = join(({ params, locals }) => {
	const roomId: string = params.roomId;
	// @ts-expect-error misspelled in a contract
	void params.roomid;
	if (roomId === '') error(404, 'No such room');
	return admit({ member: { since: Date.now() }, reply: { roomId } });
});
export const send = call(enter, ({ member, params }) => member.since + params.roomId.length);
`,
	'src/routes/rooms/[roomId]/+page.server.ts': `
import type { Actions } from './$types';
import { message } from './chat.socket';
export const actions: Actions = {
	default: async ({ params }) => {
		message.to({ roomId: params.roomId }).emit({ id: 1, text: 'posted' });
		// @ts-expect-error misspelled in a form action
		message.to({ roomid: params.roomId }).emit({ id: 2, text: 'posted' });
		// @ts-expect-error missing in a form action
		message.to({}).emit({ id: 3, text: 'posted' });
	}
};
`,
	'src/routes/rooms/[roomId]/+page.svelte': '<p>room</p>\n',
	// What a page's script does, in a .ts module tsc can check.
	'src/lib/open-room.ts': `
import { live } from 'liverpc/client';
import * as chat from '../routes/rooms/[roomId]/chat.socket';
import * as docs from '../routes/[[lang]]/docs/[...path]/docs.socket';
export const room = live(chat, { roomId: '42' });
// @ts-expect-error missing in a page
live(chat);
// @ts-expect-error misspelled in a page
live(chat, { roomid: '42' });
export const guide = live(docs, { path: 'guide/intro' });
// @ts-expect-error the rest param is required
live(docs, { lang: 'fr' });
`,
	'src/routes/[[lang]]/docs/[...path]/docs.socket.ts': `
import { join } from './$socket';
export const enter = join(({ params }) => ({ lang: params.lang ?? 'en', path: params.path }));
`
};

let root = '';
beforeAll(async () => {
	root = mkdtempSync(path.join(os.tmpdir(), 'liverpc-params-'));
	for (const [file, text] of Object.entries(files)) {
		mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
		writeFileSync(path.join(root, file), text);
	}
	symlinkSync(NODE_MODULES, path.join(root, 'node_modules'), 'dir');
	await run(process.execPath, [path.join(NODE_MODULES, '@sveltejs/kit/svelte-kit.js'), 'sync'], { cwd: root });
}, 60_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Runs tsc over the app; its diagnostics, one per line (empty when it compiles). */
async function typeCheck(): Promise<string> {
	try {
		await run(process.execPath, [path.join(NODE_MODULES, 'typescript/bin/tsc'), '-p', root], { cwd: root });
		return '';
	} catch (failed) {
		return (failed as { stdout: string }).stdout.trim();
	}
}

describe('./$socket: params typed from the folder name', () => {
	it('svelte-kit sync writes one declaration file per contract folder and links it from the tsconfig it writes', () => {
		const types = path.join(root, '.svelte-kit/liverpc/types/src/routes');
		expect(readFileSync(path.join(types, 'rooms/[roomId]/$socket.d.ts'), 'utf8')).toContain('RoomParamsOf<"rooms/[roomId]">');
		expect(readFileSync(path.join(types, '[[lang]]/docs/[...path]/$socket.d.ts'), 'utf8')).toContain('RoomParamsOf<"[[lang]]/docs/[...path]">');
		const tsconfig = JSON.parse(readFileSync(path.join(root, '.svelte-kit/tsconfig.json'), 'utf8'));
		expect(tsconfig.compilerOptions.rootDirs).toEqual(['..', './types', './liverpc/types']);
	});

	it('makes a missing or misspelled param a compile error in a contract, a form action and page code, and nothing else', async () => {
		expect(await typeCheck()).toBe('');
	}, 60_000);

	it('is what resolves ./$socket: without the link, the same app does not compile', async () => {
		const file = path.join(root, '.svelte-kit/tsconfig.json');
		const linked = readFileSync(file, 'utf8');
		const tsconfig = JSON.parse(linked);
		tsconfig.compilerOptions.rootDirs = ['..', './types'];
		writeFileSync(file, JSON.stringify(tsconfig));
		try {
			expect(await typeCheck()).toMatch(/Cannot find module '\.\/\$socket'/);
		} finally {
			writeFileSync(file, linked);
		}
	}, 60_000);

	it('writes the declarations of a folder whose first contract is added under vite dev, and removes them with its last', async () => {
		// A real `vite dev` process (Vite inside Vitest runs without a file watcher).
		// Vite colours its banner when CI is set (as on our CI machine), which splits "Local:" with
		// escape codes: it is asked for plain text, and the codes are stripped all the same.
		const dev = spawn(process.execPath, [path.join(NODE_MODULES, 'vite/bin/vite.js'), '--host', '127.0.0.1', '--port', '0'], {
			cwd: root,
			env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
			stdio: ['ignore', 'pipe', 'inherit']
		});
		try {
			await new Promise<void>((resolve, reject) => {
				let output = '';
				dev.stdout!.on('data', (chunk: Buffer) => {
					output += chunk.toString().replace(/\x1b\[[0-9;]*m/g, '');
					if (output.includes('Local:')) resolve();
				});
				dev.once('exit', (code) => reject(new Error(`vite dev exited with ${code}: ${output}`)));
				setTimeout(() => reject(new Error(`vite dev did not say where it listens within 30 s: ${output}`)), 30_000).unref();
			});
			const declarations = path.join(root, '.svelte-kit/liverpc/types/src/routes/polls/[pollId]/$socket.d.ts');
			expect(existsSync(declarations)).toBe(false);
			mkdirSync(path.join(root, 'src/routes/polls/[pollId]'), { recursive: true });
			writeFileSync(path.join(root, 'src/routes/polls/[pollId]/poll.socket.ts'), "import { call } from './$socket';\nexport const vote = call(({ params }) => params.pollId);\n");
			await eventually(() => expect(existsSync(declarations)).toBe(true), 10_000, 100);
			expect(readFileSync(declarations, 'utf8')).toContain('RoomParamsOf<"polls/[pollId]">');
			rmSync(path.join(root, 'src/routes/polls'), { recursive: true });
			await eventually(() => expect(existsSync(declarations)).toBe(false), 10_000, 100);
		} finally {
			dev.kill();
		}
	}, 60_000);

	it('removes the declarations of a folder whose last contract is gone, at the next sync', async () => {
		rmSync(path.join(root, 'src/routes/[[lang]]/docs'), { recursive: true });
		rmSync(path.join(root, 'src/lib/open-room.ts'));
		await run(process.execPath, [path.join(NODE_MODULES, '@sveltejs/kit/svelte-kit.js'), 'sync'], { cwd: root });
		expect(existsSync(path.join(root, '.svelte-kit/liverpc/types/src/routes/[[lang]]/docs/[...path]/$socket.d.ts'))).toBe(false);
		expect(existsSync(path.join(root, '.svelte-kit/liverpc/types/src/routes/rooms/[roomId]/$socket.d.ts'))).toBe(true);
	}, 60_000);
});
