import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findSocketFiles, isContractFile, routeIdOf } from './socket-files.js';

const roots: string[] = [];
afterEach(() => {
	for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

function tree(files: string[]): string {
	const root = mkdtempSync(path.join(tmpdir(), 'liverpc-files-'));
	roots.push(root);
	for (const file of files) {
		mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
		writeFileSync(path.join(root, file), '');
	}
	return root;
}

describe('socket files', () => {
	it('maps paths to route ids with params, rest, optional and group segments', () => {
		const root = tree([
			'src/hooks.socket.ts',
			'src/routes/rooms/[roomId]/chat.socket.ts',
			'src/routes/docs/[...path]/cursor.socket.js',
			'src/routes/[[lang]]/news.socket.ts',
			'src/routes/(public)/lobby.socket.ts',
			'src/routes/rooms/[roomId]/+page.svelte',
			'src/routes/rooms/[roomId]/chat.socket.test.ts',
			'src/routes/node_modules/x.socket.ts'
		]);
		const found = findSocketFiles(path.join(root, 'src/routes'), path.join(root, 'src/hooks.socket'));
		expect(found.hooks).toBe(path.join(root, 'src/hooks.socket.ts'));
		expect(found.contracts.map((contract) => contract.routeId)).toEqual([
			'(public)/lobby',
			'[[lang]]/news',
			'docs/[...path]/cursor',
			'rooms/[roomId]/chat'
		]);
		expect(found.contracts[3]!.file).toBe(path.join(root, 'src/routes/rooms/[roomId]/chat.socket.ts'));
	});

	it('refuses two files for one room, and two hooks files', () => {
		const twice = tree(['src/routes/chat.socket.ts', 'src/routes/chat.socket.js']);
		expect(() => findSocketFiles(path.join(twice, 'src/routes'), path.join(twice, 'src/hooks.socket'))).toThrow(
			/both define room 'chat'/
		);
		const hooks = tree(['src/hooks.socket.ts', 'src/hooks.socket.js']);
		expect(() => findSocketFiles(path.join(hooks, 'src/routes'), path.join(hooks, 'src/hooks.socket'))).toThrow(/keep one/);
	});

	it('has no hooks and no contracts in an empty app', () => {
		const root = tree(['src/app.html']);
		expect(findSocketFiles(path.join(root, 'src/routes'), path.join(root, 'src/hooks.socket'))).toEqual({ hooks: undefined, contracts: [] });
	});

	it('tells contract files under the routes directory from everything else', () => {
		expect(isContractFile('/app/src/routes', '/app/src/routes/a/chat.socket.ts')).toBe(true);
		expect(isContractFile('/app/src/routes', '/app/src/lib/chat.socket.ts')).toBe(false);
		expect(isContractFile('/app/src/routes', '/app/src/routes/a/chat.ts')).toBe(false);
		expect(routeIdOf('/app/src/routes', '/app/src/routes/a/[b]/c.socket.js')).toBe('a/[b]/c');
		expect(() => routeIdOf('/app/src/routes', '/app/src/lib/c.socket.ts')).toThrow(/not under/);
	});
});
