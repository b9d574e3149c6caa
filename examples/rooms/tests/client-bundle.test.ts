import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { appDir } from './support/app.js';

// Must-show 6 of #3: nothing of a `.socket.ts` handler or of `$lib/server` reaches the
// browser. Each marker is a string in server-only code of the example; the test first
// proves the server build has it, so a marker that was renamed or tree-shaken cannot make
// this pass by accident.
const markers = {
	'a handler in src/routes/rooms/[roomId]/chat.socket.ts': 'LIVERPC-SERVER-ONLY-SOCKET-MARKER',
	'src/lib/server/db.ts': 'LIVERPC-SERVER-ONLY-DB-MARKER'
};

function filesUnder(dir: string): string[] {
	return readdirSync(dir, { withFileTypes: true, recursive: true })
		.filter((entry) => entry.isFile())
		.map((entry) => path.join(entry.parentPath, entry.name));
}

function filesContaining(dir: string, marker: string): string[] {
	return filesUnder(dir).filter((file) => readFileSync(file).includes(marker));
}

/** Every file a built module reaches through relative static imports. */
function importsOf(file: string, seen = new Set<string>()): Set<string> {
	const specifiers = readFileSync(file, 'utf8').matchAll(/(?:from|import)\s*['"](\.{1,2}\/[^'"]+)['"]/g);
	for (const [, specifier] of specifiers) {
		const target = path.resolve(path.dirname(file), specifier!);
		// A comment or string in bundled code can look like an import of a file that is not there.
		if (seen.has(target) || !existsSync(target)) continue;
		seen.add(target);
		importsOf(target, seen);
	}
	return seen;
}

describe('the production build', () => {
	it.each(Object.entries(markers))('sends the browser nothing of %s', (_where, marker) => {
		expect(filesContaining(path.join(appDir, 'build/server'), marker).length).toBeGreaterThan(0);
		expect(filesUnder(path.join(appDir, 'build/client')).length).toBeGreaterThan(5);
		expect(filesContaining(path.join(appDir, 'build/client'), marker)).toEqual([]);
	});

	it('leaves $lib/server/db in one server chunk, which pages and sockets both import', () => {
		const server = filesUnder(path.join(appDir, 'build/server')).filter((file) => file.endsWith('.js'));
		const db = filesContaining(path.join(appDir, 'build/server'), markers['src/lib/server/db.ts']).filter((file) => file.endsWith('.js'));
		expect(db).toHaveLength(1);
		const sockets = server.filter((file) => /liverpc-sockets[^/]*\.js$/.test(file));
		const roomPage = server.filter((file) => /rooms\/_roomId_\/_page\.server\.ts[^/]*\.js$/.test(file));
		expect(sockets).toHaveLength(1);
		expect(roomPage).toHaveLength(1);
		expect(importsOf(sockets[0]!)).toContain(db[0]);
		expect(importsOf(roomPage[0]!)).toContain(db[0]);
	});

	it('sends the browser the ids of the room contract, which is all live() needs', () => {
		expect(filesContaining(path.join(appDir, 'build/client'), 'rooms/[roomId]/chat').length).toBeGreaterThan(0);
	});
});
