// The reference covers the package's API (#13). docs/reference/<subpath>.md has a
// `### \`name\`` heading for every name `liverpc/<subpath>` exports, values and types, and
// no heading for a name it does not export; there is one page per entry of package.json
// "exports". The names are read from the built declaration files with the TypeScript
// compiler, as a user's editor reads them: run `npm run build -w liverpc` first.
//
// And what reaches those declaration files speaks to users: no comment in dist/**/*.d.ts
// cites an issue number (`#12`, `issue 9`) or a SPEC section.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { headingAnchors } from './support/markdown-anchors.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const PACKAGE = path.join(REPO, 'packages/liverpc');
const REFERENCE = path.join(REPO, 'docs/reference');
const BUILD_FIRST = 'run `npm run build -w liverpc` first';

type ExportEntry = string | Record<string, string>;
const manifest = JSON.parse(readFileSync(path.join(PACKAGE, 'package.json'), 'utf8')) as { exports: Record<string, ExportEntry> };

/** `./server` → `server`: the page of each entry point is docs/reference/<subpath>.md. */
const subpaths = Object.keys(manifest.exports).map((key) => key.replace(/^\.\//, ''));

/** The declaration file of an entry point, from its `types` condition. */
function declarationFile(key: string): string {
	const entry = manifest.exports[key]!;
	const types = typeof entry === 'string' ? entry.replace(/\.js$/, '.d.ts') : entry.types;
	if (!types) throw new Error(`package.json exports['${key}'] has no "types"`);
	return path.join(PACKAGE, types);
}

/**
 * Every name each declaration file exports, sorted, read through one Program so re-exports
 * (`export { x } from '../../runtime/…'`) resolve as in an editor.
 */
export function exportedNames(files: string[]): Map<string, string[]> {
	const program = ts.createProgram(files, {
		noEmit: true,
		skipLibCheck: true,
		module: ts.ModuleKind.NodeNext,
		moduleResolution: ts.ModuleResolutionKind.NodeNext,
		types: []
	});
	const checker = program.getTypeChecker();
	const names = new Map<string, string[]>();
	for (const file of files) {
		const source = program.getSourceFile(file);
		const module = source && checker.getSymbolAtLocation(source);
		if (!module) throw new Error(`${path.relative(REPO, file)} is not a module the compiler can read`);
		names.set(file, checker.getExportsOfModule(module).map((symbol) => symbol.name).sort());
	}
	return names;
}

/** The names of a page's `### \`name\`` headings, outside code blocks, in order. */
export function headingNames(markdown: string): string[] {
	const names: string[] = [];
	let fenced = false;
	for (const line of markdown.split('\n')) {
		if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
		if (fenced) continue;
		const heading = /^###\s+`([^`]+)`/.exec(line);
		if (heading) names.push(heading[1]!);
	}
	return names;
}

/** What is wrong with a page, given the names its entry point exports. */
export function pageProblems(page: string, markdown: string, exported: string[]): string[] {
	const headings = headingNames(markdown);
	const problems: string[] = [];
	for (const name of exported) {
		if (!headings.includes(name)) problems.push(`${page}: no heading "### \`${name}\`" for the export '${name}'`);
	}
	const seen = new Set<string>();
	for (const name of headings) {
		if (!exported.includes(name)) problems.push(`${page}: heading '${name}' names no export of this entry point (stale entry?)`);
		else if (seen.has(name)) problems.push(`${page}: heading '${name}' appears twice`);
		seen.add(name);
	}
	return problems;
}

const REFERENCE_IN_COMMENT = /#\d|\bSPEC\b|§|\bissue\s+#?\d/i;

/** Comments of a declaration file that cite an issue or a SPEC section, as `file:line: text`. */
export function internalReferences(file: string, text: string): string[] {
	const found: string[] = [];
	const scanner = ts.createScanner(ts.ScriptTarget.Latest, false, ts.LanguageVariant.Standard, text);
	for (let token = scanner.scan(); token !== ts.SyntaxKind.EndOfFileToken; token = scanner.scan()) {
		if (token !== ts.SyntaxKind.MultiLineCommentTrivia && token !== ts.SyntaxKind.SingleLineCommentTrivia) continue;
		const start = scanner.getTokenStart();
		scanner
			.getTokenText()
			.split('\n')
			.forEach((line, offset) => {
				if (!REFERENCE_IN_COMMENT.test(line)) return;
				const lineNumber = text.slice(0, start).split('\n').length + offset;
				found.push(`${file}:${lineNumber}: ${line.trim()}`);
			});
	}
	return found;
}

function filesUnder(dir: string, keep: (file: string) => boolean): string[] {
	if (!existsSync(dir)) return [];
	return readdirSync(dir, { recursive: true, encoding: 'utf8' })
		.map((file) => path.join(dir, file))
		.filter((file) => keep(file) && statSync(file).isFile());
}

const declarations = new Map(Object.keys(manifest.exports).map((key) => [key, declarationFile(key)]));
const missingBuild = [...declarations.values()].filter((file) => !existsSync(file));

describe('the reference (docs/reference)', () => {
	it('has one page per entry of package.json "exports", and an index', () => {
		const pages = readdirSync(REFERENCE)
			.filter((name) => name.endsWith('.md') && name !== 'README.md')
			.map((name) => name.replace(/\.md$/, ''))
			.sort();
		expect(pages, 'the pages of docs/reference, against the entries of package.json "exports"').toEqual([...subpaths].sort());
		expect(existsSync(path.join(REFERENCE, 'README.md'))).toBe(true);
		const index = readFileSync(path.join(REFERENCE, 'README.md'), 'utf8');
		expect(subpaths.filter((subpath) => !index.includes(`(${subpath}.md)`)), 'pages the index does not link').toEqual([]);
	});

	it('links only to pages and headings that exist', () => {
		const broken: string[] = [];
		for (const name of readdirSync(REFERENCE).filter((file) => file.endsWith('.md'))) {
			const text = readFileSync(path.join(REFERENCE, name), 'utf8').replace(/```[\s\S]*?```/g, '');
			for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
				if (/^[a-z]+:/.test(target!)) continue; // https://…
				const [file, anchor] = target!.split('#') as [string, string | undefined];
				const full = file ? path.resolve(REFERENCE, file) : path.join(REFERENCE, name);
				if (!existsSync(full)) broken.push(`docs/reference/${name}: ${target} (no such file)`);
				else if (anchor && !headingAnchors(readFileSync(full, 'utf8')).has(anchor)) broken.push(`docs/reference/${name}: ${target} (no such heading)`);
			}
		}
		expect(broken, broken.join('\n')).toEqual([]);
	});

	it('reads the built declaration files, newer than every source file', () => {
		expect(missingBuild.map((file) => path.relative(REPO, file)), BUILD_FIRST).toEqual([]);
		const built = Math.min(...[...declarations.values()].map((file) => statSync(file).mtimeMs));
		const newer = filesUnder(path.join(PACKAGE, 'src'), (file) => file.endsWith('.ts') && !file.endsWith('.test.ts'))
			.filter((file) => statSync(file).mtimeMs > built)
			.map((file) => path.relative(REPO, file));
		expect(newer, `edited since the last build: ${BUILD_FIRST}`).toEqual([]);
	});

	it.skipIf(missingBuild.length > 0)('has a heading for every export of every entry point, and none for a name not exported', () => {
		const names = exportedNames([...declarations.values()]);
		const problems: string[] = [];
		for (const [key, file] of declarations) {
			const subpath = key.replace(/^\.\//, '');
			const page = `docs/reference/${subpath}.md`;
			const full = path.join(REPO, page);
			if (!existsSync(full)) {
				problems.push(`${page}: missing, for liverpc/${subpath}`);
				continue;
			}
			problems.push(...pageProblems(page, readFileSync(full, 'utf8'), names.get(file)!));
		}
		expect(problems, problems.join('\n')).toEqual([]);
	});

	it.skipIf(missingBuild.length > 0)('documents the names of every condition of an entry point: the Svelte build of liverpc/client exports what its types say', () => {
		// Each condition that points at a built file must export the names of the entry's types.
		const pairs: Array<[types: string, other: string]> = [];
		for (const [key, entry] of Object.entries(manifest.exports)) {
			if (typeof entry === 'string') continue;
			for (const target of Object.values(entry)) {
				const other = path.join(PACKAGE, target.replace(/\.js$/, '.d.ts'));
				if (target.startsWith('./dist/') && target.endsWith('.js') && other !== declarations.get(key)) pairs.push([declarations.get(key)!, other]);
			}
		}
		expect(pairs.length).toBeGreaterThan(0);
		const names = exportedNames([...new Set(pairs.flat())]);
		for (const [types, other] of pairs) expect(names.get(other), path.relative(REPO, other)).toEqual(names.get(types));
	});
});

describe('the declaration files (packages/liverpc/dist/**/*.d.ts)', () => {
	it.skipIf(missingBuild.length > 0)('carry no issue numbers or SPEC references in their comments', () => {
		// A declaration file whose source is gone is left from an earlier build, not part of this one.
		const dist = path.join(PACKAGE, 'dist');
		const files = filesUnder(dist, (file) => file.endsWith('.d.ts')).filter((file) =>
			existsSync(path.join(PACKAGE, 'src', path.relative(dist, file).replace(/\.d\.ts$/, '.ts')))
		);
		expect(files.length).toBeGreaterThan(20);
		const found = files.flatMap((file) => internalReferences(path.relative(REPO, file), readFileSync(file, 'utf8')));
		expect(found, found.join('\n')).toEqual([]);
	});

	it('the comment check sees what it must and nothing else', () => {
		const text = [
			'/** Who is in the room (#12): entries by id. */',
			'export declare class A { #private; }',
			'/** As in SPEC §3. */',
			'// see issue 9',
			"type B = '#1 is not a comment';",
			'/** A colour: `#lib` and `$lib`. */'
		].join('\n');
		expect(internalReferences('x.d.ts', text)).toEqual([
			'x.d.ts:1: /** Who is in the room (#12): entries by id. */',
			'x.d.ts:3: /** As in SPEC §3. */',
			'x.d.ts:4: // see issue 9'
		]);
	});

	it('the page check names a missing heading and a stale one', () => {
		const page = ['# p', '### `kept`', '```md', '### `inCode`', '```', '### `gone` (deprecated)'].join('\n');
		expect(pageProblems('p.md', page, ['added', 'inCode', 'kept'])).toEqual([
			'p.md: no heading "### `added`" for the export \'added\'',
			'p.md: no heading "### `inCode`" for the export \'inCode\'',
			"p.md: heading 'gone' names no export of this entry point (stale entry?)"
		]);
	});
});
