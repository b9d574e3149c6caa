import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The server runtime's folders are layers: each may import the folders before it in this list
// (and `../shared`), never one after it, so the tree reads bottom up and a change low down
// cannot depend on how rooms or the cluster work. The top folder assembles the server; it
// loads `cluster/` only by a dynamic import, when `redis` is set, so an app on one process
// never loads the scale-out code.
const LAYERS = ['support', 'telemetry', 'contract', 'options', 'gate', 'rooms', 'calls', 'cluster', 'inspector', '.'];
/** Siblings that may not import each other either: calls and rooms meet only in the top folder. */
const SIBLINGS: Array<[string, string]> = [['rooms', 'calls']];

const here = path.dirname(fileURLToPath(import.meta.url));

interface Import {
	from: string;
	to: string;
	/** `import('…')`: loaded when it runs, not with the module. */
	dynamic: boolean;
	/** `import type …`: erased from the JavaScript, nothing loaded. */
	typeOnly: boolean;
}

function sources(dir: string): string[] {
	return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
		const full = path.join(dir, entry.name);
		if (entry.isDirectory()) return sources(full);
		return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [full] : [];
	});
}

function importsOf(file: string): Import[] {
	// Comments left out: JSDoc examples import the app's files.
	const text = fs.readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
	const found: Import[] = [];
	const resolve = (specifier: string) => path.resolve(path.dirname(file), specifier).replace(/\.js$/, '.ts');
	for (const match of text.matchAll(/^(import|export)\s+(type\s+)?[^;]*?from\s+'(\.[^']+)'/gm)) {
		found.push({ from: file, to: resolve(match[3]!), dynamic: false, typeOnly: match[2] !== undefined });
	}
	for (const match of text.matchAll(/import\(\s*'(\.[^']+)'\s*\)/g)) {
		found.push({ from: file, to: resolve(match[1]!), dynamic: true, typeOnly: false });
	}
	return found;
}

/** The layer a file is in: `gate`, `.` for the top folder, or `../shared` (and the like) outside. */
function folderOf(file: string): string {
	const parts = path.relative(here, file).split(path.sep);
	if (parts[0] === '..') return parts.slice(0, 2).join('/');
	return parts.length > 1 ? parts[0]! : '.';
}

const files = sources(here);
const imports = files.flatMap(importsOf);

describe('the server runtime folders', () => {
	it('has every module in a known folder', () => {
		expect(files.map(folderOf).filter((folder) => !LAYERS.includes(folder))).toEqual([]);
	});

	it('imports only from lower folders, from its own, or from ../shared', () => {
		const upward = imports
			.filter(({ from, to }) => {
				const source = folderOf(from);
				const target = folderOf(to);
				if (target === '../shared') return false;
				if (target.startsWith('..')) return true;
				if (SIBLINGS.some(([a, b]) => (source === a && target === b) || (source === b && target === a))) return true;
				return LAYERS.indexOf(target) > LAYERS.indexOf(source);
			})
			.map(({ from, to }) => `${path.relative(here, from)} → ${path.relative(here, to)}`);
		expect(upward).toEqual([]);
	});

	it('loads the cluster folder only by a dynamic import', () => {
		const static_ = imports
			.filter(({ from, to, dynamic, typeOnly }) => folderOf(to) === 'cluster' && folderOf(from) !== 'cluster' && !dynamic && !typeOnly)
			.map(({ from, to }) => `${path.relative(here, from)} → ${path.relative(here, to)}`);
		expect(static_).toEqual([]);
	});

	it('has no circular imports', () => {
		const edges = new Map<string, string[]>();
		for (const { from, to } of imports) edges.set(from, [...(edges.get(from) ?? []), to]);
		const cycles: string[] = [];
		const state = new Map<string, 'open' | 'done'>();
		const visit = (file: string, trail: string[]) => {
			if (state.get(file) === 'done') return;
			if (state.get(file) === 'open') {
				cycles.push([...trail.slice(trail.indexOf(file)), file].map((each) => path.relative(here, each)).join(' → '));
				return;
			}
			state.set(file, 'open');
			for (const next of edges.get(file) ?? []) visit(next, [...trail, file]);
			state.set(file, 'done');
		};
		for (const file of files) visit(file, []);
		expect(cycles).toEqual([]);
	});
});
