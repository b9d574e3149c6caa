import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

// docs/security.md lists every security test as "attack → what happens → test": this keeps
// the table and the tests from drifting apart, in both directions (#8).

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const folders = { library: `${repo}packages/liverpc/test/`, example: `${repo}examples/rooms/tests/` };
const table = readFileSync(`${repo}docs/security.md`, 'utf8').split('## Attacks and the tests that send them')[1]!;

/** Test names by file path, as the table's third column cites them. */
function cited(): Map<string, string[]> {
	const byFile = new Map<string, string[]>();
	for (const line of table.split('\n')) {
		const cells = line.split(' | ');
		if (cells.length < 3 || !line.startsWith('| ') || line.startsWith('| attack') || line.startsWith('| ---')) continue;
		const cell = cells.at(-1)!.replace(/ \|$/, '');
		const [head, ...names] = cell.split(' › ');
		const file = /`([\w.-]+\.test\.ts)`/.exec(head!)?.[1];
		expect(file, line).toBeDefined();
		const folder = head!.includes('(library)') || !existsSync(folders.example + file) ? folders.library : folders.example;
		const list = byFile.get(folder + file) ?? [];
		list.push(...names.map((name) => name.replace(/;$/, '').trim()));
		byFile.set(folder + file, list);
	}
	return byFile;
}

it('cites only tests that exist', () => {
	const byFile = cited();
	expect(byFile.size).toBeGreaterThan(10);
	for (const [file, names] of byFile) {
		const source = readFileSync(file, 'utf8');
		for (const name of names) expect(source.includes(name), `${file}: ${name}`).toBe(true);
	}
});

it('has a row for every test of the security test files', () => {
	const byFile = cited();
	const files = [
		...['packet-gate', 'origin', 'limits', 'revocation', 'safe-errors', 'hostile-input', 'join-reply-cap', 'slow-reader', 'leave-rate', 'auth-size'].map((name) => `${folders.library}${name}.test.ts`),
		...['attacks', 'cross-origin', 'revocation', 'tenant-isolation', 'options'].map((name) => `${folders.example}${name}.test.ts`)
	];
	for (const file of files) {
		const names = [...readFileSync(file, 'utf8').matchAll(/^\s*it\((['"])(.+?)\1,/gm)].map((match) => match[2]!.replace(/\\(['"])/g, '$1'));
		expect(names.length, file).toBeGreaterThan(0);
		for (const name of names) expect(byFile.get(file) ?? [], `${file} has no row for: ${name}`).toContain(name);
	}
});
