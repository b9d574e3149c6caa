import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { linkSocketTypes, linkSocketTypesInto, writeSocketTypes } from './route-types.js';

const dirs: string[] = [];
afterEach(() => {
	for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function tempApp(): string {
	// A folder name with "liverpc" in it, as a checkout of this repository has.
	const root = mkdtempSync(path.join(os.tmpdir(), 'liverpc-types-'));
	dirs.push(root);
	return root;
}

describe("the tsconfig SvelteKit writes gets the ./$socket declarations' tree", () => {
	it("beside SvelteKit 2's relative types entry, and beside SvelteKit 3's once normalized", () => {
		const kit2 = { compilerOptions: { rootDirs: ['..', './types'] } };
		linkSocketTypesInto(kit2);
		expect(kit2.compilerOptions.rootDirs).toEqual(['..', './types', './liverpc/types']);
		const kit3 = { compilerOptions: { rootDirs: ['../..', '../../.svelte-kit/types'] } };
		linkSocketTypesInto(kit3);
		linkSocketTypesInto(kit3); // twice: still once
		expect(kit3.compilerOptions.rootDirs).toEqual(['../..', '../../.svelte-kit/types', '../../.svelte-kit/liverpc/types']);
		const absolute = { compilerOptions: { rootDirs: ['/home/me/liverpc-app', '/home/me/liverpc-app/.svelte-kit/types'] } };
		linkSocketTypesInto(absolute);
		expect(absolute.compilerOptions.rootDirs[2]).toBe('/home/me/liverpc-app/.svelte-kit/liverpc/types');
	});

	it('in the file SvelteKit already wrote, once, and not in a file of another shape', () => {
		const root = tempApp();
		const outDir = path.join(root, '.svelte-kit');
		mkdirSync(outDir);
		const file = path.join(outDir, 'tsconfig.json');
		writeFileSync(file, JSON.stringify({ compilerOptions: { rootDirs: ['..', './types'] } }));
		expect(linkSocketTypes(file, outDir)).toBe(true);
		expect(linkSocketTypes(file, outDir)).toBe(true);
		expect(JSON.parse(readFileSync(file, 'utf8')).compilerOptions.rootDirs).toEqual(['..', './types', './liverpc/types']);
		writeFileSync(file, '{}');
		expect(linkSocketTypes(file, outDir)).toBe(false);
		expect(readFileSync(file, 'utf8')).toBe('{}');
	});
});

describe('writeSocketTypes()', () => {
	it('writes one file per contract folder, leaves unchanged ones alone and removes those of emptied folders', () => {
		const root = tempApp();
		const routes = path.join(root, 'src/routes');
		const outDir = path.join(root, '.svelte-kit');
		const contract = (routeId: string) => ({ file: path.join(routes, `${routeId}.socket.ts`), routeId });
		const written = writeSocketTypes(root, routes, outDir, [contract('rooms/[roomId]/chat'), contract('rooms/[roomId]/typing'), contract('lobby')]);
		expect(written.map((file) => path.relative(outDir, file))).toEqual([
			'liverpc/types/src/routes/rooms/[roomId]/$socket.d.ts',
			'liverpc/types/src/routes/$socket.d.ts'
		]);
		expect(readFileSync(written[1]!, 'utf8')).toContain('RoomParamsOf<"">');
		const before = statSync(written[0]!).mtimeMs;
		writeFileSync(path.join(outDir, 'liverpc/types/src/routes/$socket.d.ts'), 'edited by hand');
		writeSocketTypes(root, routes, outDir, [contract('rooms/[roomId]/chat')]);
		expect(statSync(written[0]!).mtimeMs).toBe(before);
		expect(existsSync(written[1]!)).toBe(false);
	});
});
