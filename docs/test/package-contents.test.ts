// The package ships its docs (#13): `npm pack` of packages/liverpc holds a README, the
// LICENSE and every page of the reference (copied from docs/reference by `prepack`), and no
// test file. The file list comes from `npm pack --dry-run --json`, which runs `prepack`
// as a real pack does and writes nothing but that copy.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const PACKAGE = path.join(REPO, 'packages/liverpc');
const REFERENCE = path.join(REPO, 'docs/reference');

/** The paths `npm pack` would put in the tarball, relative to the package. */
function packedFiles(): string[] {
	// Without the npm_* variables of an enclosing `npm test -w …`, which would point this npm
	// at another workspace.
	const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.toLowerCase().startsWith('npm_')));
	const output = execFileSync('npm', ['pack', '--dry-run', '--json'], { cwd: PACKAGE, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
	const [pack] = JSON.parse(output.slice(output.indexOf('['))) as Array<{ files: Array<{ path: string }> }>;
	return pack!.files.map((file) => file.path).sort();
}

describe('the liverpc tarball', () => {
	let files: string[] = [];
	beforeAll(() => {
		files = packedFiles();
	});

	it('holds the package README and LICENSE', () => {
		expect(files).toEqual(expect.arrayContaining(['README.md', 'LICENSE', 'package.json']));
		const license = readFileSync(path.join(PACKAGE, 'LICENSE'), 'utf8');
		expect(license).toMatch(/^MIT License/);
		expect(license).toContain('Copyright (c) 2026 the LiveRPC authors');
		expect(JSON.parse(readFileSync(path.join(PACKAGE, 'package.json'), 'utf8')).license).toBe('MIT');
	});

	it('holds every page of the reference, as docs/reference has it', () => {
		const pages = readdirSync(REFERENCE).filter((name) => name.endsWith('.md'));
		expect(pages).toEqual(expect.arrayContaining(['README.md', 'server.md', 'client.md', 'vite.md', 'adapter.md', 'node.md', 'testing.md']));
		const shipped = files.filter((file) => file.startsWith('docs/'));
		expect(shipped).toEqual(pages.map((name) => `docs/reference/${name}`).sort());
		for (const name of pages) {
			expect(readFileSync(path.join(PACKAGE, 'docs/reference', name), 'utf8'), `the packed copy of ${name}`).toBe(readFileSync(path.join(REFERENCE, name), 'utf8'));
		}
	});

	it('holds the built entry points and no test file', () => {
		expect(files).toEqual(expect.arrayContaining(['dist/exports/server/index.js', 'dist/exports/client/index.svelte.js', 'dist/exports/vite/index.d.ts']));
		expect(files.filter((file) => /\.test\.[cm]?[jt]s$/.test(file))).toEqual([]);
	});
});
