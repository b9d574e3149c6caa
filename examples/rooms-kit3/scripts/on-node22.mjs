// Runs a command of this example on Node 22, which SvelteKit 3 needs, without touching the
// system Node (#10): fetches Node 22 into .node22/ once, builds better-sqlite3 for it once,
// stages the app from ../rooms, then runs the command with Node 22 first on PATH, so `node`,
// `vite`, `vitest` and the `node build` the tests start all run on it.
//
//   node scripts/on-node22.mjs vite dev
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureSqliteForNode22 } from './native-sqlite.mjs';
import { ensureNode22 } from './node22.mjs';
import { stage } from './stage.mjs';

const [command, ...args] = process.argv.slice(2);
if (!command) {
	console.error('usage: node scripts/on-node22.mjs <command> [args…]');
	process.exit(2);
}

const here = fileURLToPath(new URL('..', import.meta.url));
const { binDir } = await ensureNode22();
await ensureSqliteForNode22();
stage();

const child = spawn(command, args, {
	cwd: here,
	stdio: 'inherit',
	env: { ...process.env, PATH: `${binDir}${path.delimiter}${process.env.PATH ?? ''}` }
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
