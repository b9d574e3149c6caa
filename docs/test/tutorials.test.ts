// The tutorials show real files (#13). Every code block in docs/tutorials/*.md is either a
// command (```sh) or says, on the line above it, which file of the repository it shows:
//
//   <!-- file: examples/rooms/src/hooks.socket.ts -->      the block is the whole file
//   <!-- excerpt: examples/rooms/src/hooks.socket.ts -->   the block is a run of its lines
//
// so a block and its file cannot drift apart: this test fails, naming the page, the block's
// line and the file, when one changes without the other.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { headingAnchors } from './support/markdown-anchors.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const TUTORIALS = path.join(REPO, 'docs/tutorials');
// Commands, and route maps (```text), show no file.
const COMMAND_LANGUAGES = new Set(['sh', 'bash', 'shell', 'console', 'text']);

interface Block {
	page: string;
	line: number;
	language: string;
	text: string;
	source: { kind: 'file' | 'excerpt'; path: string } | undefined;
}

/** The fenced code blocks of a markdown page, with the source comment above each, if any. */
export function codeBlocks(page: string, markdown: string): Block[] {
	const lines = markdown.split('\n');
	const blocks: Block[] = [];
	for (let i = 0; i < lines.length; i++) {
		const open = /^```(\S*)/.exec(lines[i]!);
		if (!open) continue;
		const start = i;
		let end = i + 1;
		while (end < lines.length && !/^```\s*$/.test(lines[end]!)) end++;
		let above = start - 1;
		while (above >= 0 && lines[above]!.trim() === '') above--;
		const marker = above >= 0 ? /^<!-- (file|excerpt): (\S+) -->$/.exec(lines[above]!.trim()) : null;
		blocks.push({
			page,
			line: start + 1,
			language: open[1] ?? '',
			text: lines.slice(start + 1, end).join('\n'),
			source: marker ? { kind: marker[1] as 'file' | 'excerpt', path: marker[2]! } : undefined
		});
		i = end;
	}
	return blocks;
}

/** Why a block does not match its file, or undefined when it does. */
export function drift(block: Block, read: (file: string) => string | undefined): string | undefined {
	const where = `${block.page}:${block.line}`;
	if (!block.source) {
		return COMMAND_LANGUAGES.has(block.language) ? undefined : `${where}: a \`\`\`${block.language} block without <!-- file: … --> or <!-- excerpt: … --> above it`;
	}
	const file = read(block.source.path);
	if (file === undefined) return `${where}: ${block.source.path} does not exist`;
	const shown = block.text.replace(/\s+$/, '');
	if (block.source.kind === 'file') {
		return shown === file.replace(/\s+$/, '') ? undefined : `${where}: differs from the whole of ${block.source.path}`;
	}
	const fileLines = file.split('\n');
	const shownLines = shown.split('\n');
	for (let start = 0; start + shownLines.length <= fileLines.length; start++) {
		if (shownLines.every((line, offset) => line === fileLines[start + offset])) return undefined;
	}
	return `${where}: is not a run of lines of ${block.source.path}`;
}

const pages = readdirSync(TUTORIALS)
	.filter((name) => name.endsWith('.md'))
	.sort();
const readRepoFile = (file: string) => {
	const full = path.join(REPO, file);
	return existsSync(full) ? readFileSync(full, 'utf8') : undefined;
};

describe('the tutorials', () => {
	it('are the six of the series, 01 to 06', () => {
		expect(pages.map((name) => name.slice(0, 2))).toEqual(['01', '02', '03', '04', '05', '06']);
	});

	it.each(pages)('%s shows only real files, as they are', (page) => {
		const blocks = codeBlocks(page, readFileSync(path.join(TUTORIALS, page), 'utf8'));
		expect(blocks.filter((block) => block.source).length).toBeGreaterThan(0);
		expect(blocks.map((block) => drift(block, readRepoFile)).filter(Boolean)).toEqual([]);
	});

	it.each(pages)('%s has an outcome, a route map and a checkpoint', (page) => {
		const markdown = readFileSync(path.join(TUTORIALS, page), 'utf8');
		expect(markdown).toMatch(/^## Outcome$/m);
		expect(markdown).toMatch(/^## Route map$/m);
		expect(markdown).toMatch(/^## Checkpoint/m);
		// The route map's lines are `file <- what it does`.
		const map = /^## Route map\n+```text\n([\s\S]*?)```/m.exec(markdown);
		expect(map, `${page}: the route map is a \`\`\`text block`).not.toBeNull();
		for (const line of map![1]!.trim().split('\n')) expect(line).toMatch(/^\S.* <- \S/);
	});
});

/** Relative links of a page whose file or heading does not exist. */
function brokenLinks(page: string): string[] {
	const broken: string[] = [];
	const markdown = readFileSync(page, 'utf8');
	for (const [, target] of markdown.matchAll(/\]\(([^)\s]+)\)/g)) {
		if (/^[a-z]+:/.test(target!)) continue;
		const [file, anchor] = target!.split('#') as [string, string | undefined];
		const full = file ? path.resolve(path.dirname(page), file) : page;
		if (!existsSync(full)) broken.push(`${path.relative(REPO, page)}: ${target} (no such file)`);
		else if (anchor && full.endsWith('.md') && !headingAnchors(readFileSync(full, 'utf8')).has(anchor)) {
			broken.push(`${path.relative(REPO, page)}: ${target} (no such heading)`);
		}
	}
	return broken;
}

describe('links', () => {
	it('from the tutorials and the README reach a file, and a heading where they name one', () => {
		const pages = [path.join(REPO, 'README.md'), ...readdirSync(TUTORIALS).filter((name) => name.endsWith('.md')).map((name) => path.join(TUTORIALS, name))];
		expect(pages.flatMap(brokenLinks)).toEqual([]);
	});
});

describe('the README', () => {
	it('shows only real files, as they are', () => {
		const blocks = codeBlocks('README.md', readFileSync(path.join(REPO, 'README.md'), 'utf8'));
		expect(blocks.filter((block) => block.source).length).toBeGreaterThan(0);
		expect(blocks.map((block) => drift(block, readRepoFile)).filter(Boolean)).toEqual([]);
	});
});

describe('the drift check itself', () => {
	const read = (file: string) => (file === 'a.ts' ? 'one\ntwo\nthree\n' : undefined);
	const block = (kind: 'file' | 'excerpt', text: string, file = 'a.ts') => ({ page: 'p.md', line: 3, language: 'ts', text, source: { kind, path: file } });

	it('accepts a whole file and a run of its lines, and nothing else', () => {
		expect(drift(block('file', 'one\ntwo\nthree'), read)).toBeUndefined();
		expect(drift(block('excerpt', 'two\nthree'), read)).toBeUndefined();
		expect(drift(block('file', 'one\ntwo'), read)).toMatch(/differs from the whole of a\.ts/);
		expect(drift(block('excerpt', 'one\nthree'), read)).toMatch(/not a run of lines/);
		expect(drift(block('excerpt', 'two', 'gone.ts'), read)).toMatch(/gone\.ts does not exist/);
		expect(drift({ page: 'p.md', line: 3, language: 'ts', text: 'x', source: undefined }, read)).toMatch(/without <!-- file/);
		expect(drift({ page: 'p.md', line: 3, language: 'sh', text: 'npm test', source: undefined }, read)).toBeUndefined();
	});

	it('reads the source comment above a block', () => {
		const blocks = codeBlocks('p.md', 'Intro\n\n<!-- excerpt: a.ts -->\n```ts\ntwo\n```\n\n```sh\nnpm test\n```\n');
		expect(blocks).toEqual([
			{ page: 'p.md', line: 4, language: 'ts', text: 'two', source: { kind: 'excerpt', path: 'a.ts' } },
			{ page: 'p.md', line: 8, language: 'sh', text: 'npm test', source: undefined }
		]);
	});
});
