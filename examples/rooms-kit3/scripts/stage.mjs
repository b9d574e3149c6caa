// Makes this folder the Rooms example on SvelteKit 3 (#10): copies the app and its tests from
// ../rooms and applies the edits SvelteKit 3 asks of every app, so both generations run one
// app's code and one set of browser tests. What is committed here is only what differs on
// purpose: package.json (SvelteKit 3, adapter-node 6, the #lib import), vite.config.ts (the
// config file SvelteKit 3 reads), tsconfig.json (extends $app/tsconfig) and
// vitest.config.ts. Each edit below is one the SvelteKit 3 migration asks for.
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('..', import.meta.url));
const source = path.resolve(here, '../rooms');

/** Copied from ../rooms; the rest of ../rooms is SvelteKit 2 configuration. */
const COPIED = ['src', 'tests', 'server.js'];

/** The edits SvelteKit 3 asks of an app's code, each with why. */
const EDITS = [
	// `$lib` is gone. `#lib` is a Node subpath import ("imports" in package.json), and Node,
	// like TypeScript, resolves it to a file as written: a module's extension is part of it.
	{ pattern: /(['"])\$lib(\/[^'"]*)?(?=['"])/g, replacement: (_, quote, rest = '') => quote + '#lib' + withExtension(rest) },
	// The `Handle` type moved from '@sveltejs/kit' to '@sveltejs/kit/hooks'.
	{ pattern: /import type \{ Handle \} from '@sveltejs\/kit';/g, replacement: "import type { Handle } from '@sveltejs/kit/hooks';" }
];

/** `/server/db` -> `/server/db.ts`, as the file in src/lib is named; a path with its extension stays. */
function withExtension(rest) {
	const file = path.join(source, 'src/lib', rest);
	if (rest === '' || (existsSync(file) && statSync(file).isFile())) return rest;
	const extension = ['.ts', '.js', '.svelte.ts', '.svelte.js'].find((candidate) => existsSync(file + candidate));
	if (!extension) throw new Error(`stage: $lib${rest} names no file in ${path.join(source, 'src/lib')}`);
	return rest + extension;
}

function* filesUnder(dir) {
	for (const name of readdirSync(dir)) {
		const file = path.join(dir, name);
		if (statSync(file).isDirectory()) yield* filesUnder(file);
		else yield file;
	}
}

/** Copies and migrates the app; returns how many files an edit changed. */
export function stage() {
	if (!existsSync(path.join(source, 'src'))) throw new Error(`No Rooms app at ${source} to stage`);
	let edited = 0;
	for (const entry of COPIED) {
		const target = path.join(here, entry);
		rmSync(target, { recursive: true, force: true });
		cpSync(path.join(source, entry), target, { recursive: true });
		const files = statSync(target).isDirectory() ? [...filesUnder(target)] : [target];
		for (const file of files) {
			if (!/\.(ts|js|svelte)$/.test(file)) continue;
			const before = readFileSync(file, 'utf8');
			const after = EDITS.reduce((text, { pattern, replacement }) => text.replace(pattern, replacement), before);
			if (after !== before) {
				writeFileSync(file, after);
				edited++;
			}
		}
	}
	return edited;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
	const edited = stage();
	console.error(`rooms-kit3: staged ${COPIED.join(', ')} from ../rooms (${edited} files migrated to SvelteKit 3)`);
}
