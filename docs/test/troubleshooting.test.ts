// docs/troubleshooting.md quotes the messages people meet (#13); this test keeps the quotes
// true to the code that prints them.
//
// The page's convention. Each message is shown in a fenced block as the user sees it, with
// example values, and right after the block come one or more marker lines:
//
//   > LiveRPC: `Origin … is neither the app's origin … nor in allowedOrigins`
//   > LiveRPC: `[liverpc] refused a connection:` + `Origin … is not this server's origin …`
//   > SvelteKit: `Cross-site … form submissions are forbidden`
//   > Browser: `WebSocket connection to '…' failed: …`
//
// - The word before the colon says whose message it is. SOURCES says where that text is looked
//   for (LiveRPC: packages/liverpc/src; SvelteKit: @sveltejs/kit of both generations; npm,
//   pnpm, …: the installed tool); EXEMPT names the ones nobody can check here (a browser,
//   Node itself). A tool that is not installed on this machine (npm's own code, pnpm,
//   systemd, bindings) is skipped, saying so; the repository's own packages must be there.
// - Each `code span` is the message's text, with `…` wherever the code fills something in (a
//   value, or another message). Spans joined by ` + ` are printed one after the other.
//
// What is checked:
// 1. every fixed piece of a span (the text between `…`) occurs in the source's code, read
//    with string literals that are concatenated with `+` joined and `\` escapes undone; and
//    the quote neither begins nor ends inside a word there (`allowedOrigin` is not a quote of
//    `allowedOrigins`), except in binaries, whose strings run into each other;
// 2. the spans, with `…` standing for any text, are found in the block above the marker, with
//    the same rule at their ends: the example and the quoted text agree;
// 3. every `##` section of the page quotes at least one message, and every line that looks
//    like a marker is one, with a known source;
// 4. every link from troubleshooting.md and deploy.md to a heading (`deploy.md#docker`,
//    `#the-socket-path`) names a heading that exists.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { anchorOf, headingAnchors } from './support/markdown-anchors.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const DOCS = path.join(REPO, 'docs');
const PAGE = 'troubleshooting.md';
const ELLIPSIS = '…';

interface Source {
	/** Files or folders holding the source's text. */
	roots: () => string[];
	/** `all`: the text must be in every root that exists (both SvelteKit generations). */
	mode: 'any' | 'all';
	/** Whether a machine without any of the roots fails (true) or skips (false). */
	required: boolean;
	/**
	 * Whether a quote must not begin or end inside a word of the source, as it must not in
	 * text code holds in string literals. Off for binaries, whose strings run into each other.
	 */
	boundaries?: false;
}

const nodeModules = (...parts: string[]) => path.join(REPO, 'node_modules', ...parts);

/** The installed npm's own code: beside the running node, or where npm_execpath points. */
function npmRoots(): string[] {
	const candidates = [path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'lib')];
	if (process.env.npm_execpath) candidates.push(path.join(path.dirname(process.env.npm_execpath), '..', 'lib'));
	return candidates;
}

/** systemd's core library, where its unit state messages are. */
function systemdRoots(): string[] {
	const dirs = ['/usr/lib/x86_64-linux-gnu/systemd', '/usr/lib/aarch64-linux-gnu/systemd', '/usr/lib/systemd', '/usr/lib64/systemd'];
	return dirs.filter((dir) => existsSync(dir)).flatMap((dir) => readdirSync(dir).filter((name) => name.startsWith('libsystemd-core')).map((name) => path.join(dir, name)));
}

const SOURCES: Record<string, Source> = {
	LiveRPC: { roots: () => [path.join(REPO, 'packages/liverpc/src')], mode: 'any', required: true },
	SvelteKit: {
		roots: () => [nodeModules('@sveltejs/kit/src'), path.join(REPO, 'examples/rooms-kit3/node_modules/@sveltejs/kit/src')],
		mode: 'all',
		required: true
	},
	'Socket.IO': { roots: () => [nodeModules('engine.io/build'), nodeModules('socket.io/dist')], mode: 'any', required: true },
	'Example app': { roots: () => [path.join(REPO, 'examples/rooms/src')], mode: 'any', required: true },
	TypeScript: { roots: () => [nodeModules('typescript/lib/typescript.js')], mode: 'any', required: true },
	bindings: { roots: () => [nodeModules('bindings')], mode: 'any', required: false },
	npm: { roots: npmRoots, mode: 'any', required: false },
	pnpm: { roots: () => [nodeModules('pnpm')], mode: 'any', required: false, boundaries: false },
	systemd: { roots: systemdRoots, mode: 'any', required: false, boundaries: false }
};

/** Sources quoted for the reader, whose text no file here holds. */
const EXEMPT = new Set(['Browser', 'Node']);

const CODE_FILE = /\.(?:[cm]?js|ts)$/;
const BINARY_FILE = /\.so$|\/pnpm$/;

/**
 * A file's text as a search for message pieces needs it: `'a ' + 'b'` joined into `a b`
 * (messages are wrapped that way), and `\'`, `\"`, `` \` `` and `\\` unescaped. Binaries are
 * read byte for byte; their strings are ASCII.
 */
export function searchableText(text: string): string {
	return text.replace(/(['"`])\s*\+\s*(['"`])/g, '').replace(/\\(['"`\\])/g, '$1');
}

function filesUnder(root: string): string[] {
	if (!existsSync(root)) return [];
	if (statSync(root).isFile()) return [root];
	const files: string[] = [];
	for (const entry of readdirSync(root, { withFileTypes: true })) {
		const full = path.join(root, entry.name);
		if (entry.isDirectory()) {
			if (entry.name !== 'test' && entry.name !== '__tests__') files.push(...filesUnder(full));
		} else if ((CODE_FILE.test(entry.name) && !/\.(?:test|spec)\.[cm]?[jt]s$/.test(entry.name) && !entry.name.endsWith('.d.ts')) || BINARY_FILE.test(full)) {
			files.push(full);
		}
	}
	return files;
}

const rootTexts = new Map<string, string>();
/** All the searchable text under one root, read once. */
function rootText(root: string): string {
	let text = rootTexts.get(root);
	if (text === undefined) {
		text = filesUnder(root)
			.map((file) => searchableText(readFileSync(file, BINARY_FILE.test(file) ? 'latin1' : 'utf8')))
			.join('\n\u0000\n');
		rootTexts.set(root, text);
	}
	return text;
}

export interface Marker {
	line: number;
	source: string;
	/** The quoted spans, in print order. */
	spans: string[];
	/** The fenced block the marker follows, or undefined when it follows none. */
	block: string | undefined;
	/** The `##` section it is in. */
	section: string;
}

const MARKER_LIKE = /^> [^`]*: `/;
const MARKER = /^> ([A-Za-z][\w .-]*): (.+)$/;

/** The spans of a marker's text: code spans (of any backtick count) joined by ` + `. */
export function parseSpans(text: string): string[] | undefined {
	const spans: string[] = [];
	let rest = text.trim();
	while (rest.length > 0) {
		const span = /^(`+)(.+?)\1(?!`)/.exec(rest);
		if (!span) return undefined;
		spans.push(span[2]!);
		rest = rest.slice(span[0].length).trim();
		if (rest.length === 0) break;
		if (!rest.startsWith('+ ')) return undefined;
		rest = rest.slice(2).trim();
	}
	return spans.length > 0 ? spans : undefined;
}

/** Every marker of a page, with its block and section; throws on a line that looks like a marker but is not one. */
export function readMarkers(markdown: string): { markers: Marker[]; sections: string[] } {
	const lines = markdown.split('\n');
	const markers: Marker[] = [];
	const sections: string[] = [];
	let section = '';
	let fenced = false;
	let blockLines: string[] = [];
	let lastBlock: string | undefined;
	for (const [index, line] of lines.entries()) {
		if (/^```/.test(line)) {
			if (fenced) lastBlock = blockLines.join('\n');
			else blockLines = [];
			fenced = !fenced;
			continue;
		}
		if (fenced) {
			blockLines.push(line);
			continue;
		}
		if (line.startsWith('## ')) {
			section = line.slice(3).trim();
			sections.push(section);
			lastBlock = undefined;
			continue;
		}
		if (MARKER_LIKE.test(line)) {
			const match = MARKER.exec(line);
			const spans = match ? parseSpans(match[2]!) : undefined;
			if (!match || !spans) throw new Error(`${PAGE}:${index + 1}: a marker line is > Source: \`text\` [+ \`text\`]: ${line}`);
			markers.push({ line: index + 1, source: match[1]!, spans, block: lastBlock, section });
			continue;
		}
		// A marker belongs to the block right above it: only blank lines and markers between.
		if (line.trim() !== '') lastBlock = undefined;
	}
	return { markers, sections };
}

/** The fixed pieces of a span: the text between `…`, without empty ones. */
export function fixedPieces(span: string): string[] {
	return span.split(ELLIPSIS).filter((piece) => piece.length > 0);
}

/**
 * Whether a piece occurs in a text. With `start` (`end`), a piece that begins (ends) with a
 * word character must not be preceded (followed) by one: `allowedOrigin` is not a quote of
 * `allowedOrigins`.
 */
export function occurs(text: string, piece: string, start: boolean, end: boolean): boolean {
	const before = start && /^\w/.test(piece) ? '(?<!\\w)' : '';
	const after = end && /\w$/.test(piece) ? '(?!\\w)' : '';
	if (!before && !after) return text.includes(piece);
	return new RegExp(before + piece.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') + after).test(text);
}

/**
 * A pattern that finds the spans, printed one after the other, in an example block. Where the
 * quote does not start or end with `…`, it must not start or end inside a word of the
 * example, so a quote cut short mid-word (`allowedOrigin` for `allowedOrigins`) is caught.
 */
export function examplePattern(spans: string[]): RegExp {
	const literal = (text: string) =>
		text
			.split(/\s+/)
			.map((word) => word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
			.join('\\s+');
	const span = (text: string) => text.split(ELLIPSIS).map(literal).join('[\\s\\S]*?');
	const first = spans[0]!;
	const last = spans[spans.length - 1]!;
	const start = first.startsWith(ELLIPSIS) || !/^\w/.test(first) ? '' : '(?<!\\w)';
	const end = last.endsWith(ELLIPSIS) || !/\w$/.test(last) ? '' : '(?!\\w)';
	return new RegExp(start + spans.map(span).join('\\s*') + end);
}

const markdown = readFileSync(path.join(DOCS, PAGE), 'utf8');
const { markers, sections } = readMarkers(markdown);

describe(`the messages quoted in docs/${PAGE}`, () => {
	it('are marked on enough lines for the checks below to mean something', () => {
		expect(markers.length).toBeGreaterThanOrEqual(30);
		expect(markers.filter((marker) => marker.source === 'LiveRPC').length).toBeGreaterThanOrEqual(20);
	});

	it('come from known sources', () => {
		const unknown = markers.filter((marker) => !(marker.source in SOURCES) && !EXEMPT.has(marker.source));
		expect(unknown.map((marker) => `${PAGE}:${marker.line}: unknown source '${marker.source}'`)).toEqual([]);
	});

	it('are quoted in every section', () => {
		const quoted = new Set(markers.map((marker) => marker.section));
		expect(sections.filter((section) => !quoted.has(section)).map((section) => `## ${section} quotes no message`)).toEqual([]);
	});

	for (const marker of markers) {
		const title = `${marker.source}: ${marker.spans.join(' + ')}`.slice(0, 140);

		it(`${title} (line ${marker.line}) agrees with the example above it`, () => {
			expect(marker.block, `${PAGE}:${marker.line}: a marker follows the block that shows its message`).toBeDefined();
			for (const span of marker.spans) {
				const longest = Math.max(0, ...fixedPieces(span).map((piece) => piece.trim().length));
				expect(longest, `${PAGE}:${marker.line}: \`${span}\` has no fixed text worth checking`).toBeGreaterThanOrEqual(5);
			}
			expect(marker.block, `${PAGE}:${marker.line}: the block above does not show ${marker.spans.join(' + ')}`).toMatch(examplePattern(marker.spans));
		});

		if (EXEMPT.has(marker.source) || !(marker.source in SOURCES)) continue;
		it(`${title} (line ${marker.line}) is what ${marker.source} prints`, (context) => {
			const source = SOURCES[marker.source]!;
			const roots = source.roots().filter((root) => existsSync(root));
			if (roots.length === 0) {
				if (source.required) throw new Error(`${marker.source}'s files are not installed: looked in ${source.roots().join(', ')}`);
				context.skip(`${marker.source} is not installed here (looked in ${source.roots().join(', ')})`);
			}
			const missing: string[] = [];
			const guarded = source.boundaries !== false;
			for (const [spanIndex, span] of marker.spans.entries()) {
				const pieces = fixedPieces(span);
				for (const [pieceIndex, piece] of pieces.entries()) {
					// Only the quote's own ends are guarded: a piece next to `…` or to another span may touch anything.
					const start = guarded && spanIndex === 0 && pieceIndex === 0 && !span.startsWith(ELLIPSIS);
					const end = guarded && spanIndex === marker.spans.length - 1 && pieceIndex === pieces.length - 1 && !span.endsWith(ELLIPSIS);
					const holders = roots.filter((root) => occurs(rootText(root), piece, start, end));
					const enough = source.mode === 'all' ? holders.length === roots.length : holders.length > 0;
					if (!enough) {
						const lacking = roots.filter((root) => !holders.includes(root)).map((root) => path.relative(REPO, root) || root);
						missing.push(`${JSON.stringify(piece)} is not in ${lacking.join(', ')}`);
					}
				}
			}
			expect(missing, `${PAGE}:${marker.line}`).toEqual([]);
		});
	}
});

describe('links to headings from the deployment pages', () => {
	const pages = ['deploy.md', PAGE];
	for (const page of pages) {
		it(`${page} links only to headings that exist`, () => {
			const text = readFileSync(path.join(DOCS, page), 'utf8');
			const broken: string[] = [];
			for (const link of text.matchAll(/\]\(([\w./-]*?)#([^)\s]+)\)/g)) {
				const target = link[1] ? path.resolve(DOCS, link[1]) : path.join(DOCS, page);
				if (!existsSync(target)) {
					broken.push(`${link[0]}: no such file`);
					continue;
				}
				if (!headingAnchors(readFileSync(target, 'utf8')).has(link[2]!)) broken.push(`${link[0]}: no such heading`);
			}
			expect(broken).toEqual([]);
		});
	}
});

describe('the helpers', () => {
	it('join concatenated literals and undo escapes before searching', () => {
		expect(searchableText("'a, ' +\n\t\t'b' and `c ` + 'd' and \\'e\\'")).toBe("'a, b' and `c d' and 'e'");
	});

	it('read markers, their spans and the block above them', () => {
		const page = '## One\n\n```text\nError: x is 2, but y\n```\n\n> LiveRPC: `x is …, but y`\n> Node: `Error:` + `x`\n\n## Two\n\ntext\n\n> npm: ``a `b` c``\n';
		const { markers: read, sections: heads } = readMarkers(page);
		expect(heads).toEqual(['One', 'Two']);
		expect(read.map(({ source, spans, block, section }) => ({ source, spans, block, section }))).toEqual([
			{ source: 'LiveRPC', spans: ['x is …, but y'], block: 'Error: x is 2, but y', section: 'One' },
			{ source: 'Node', spans: ['Error:', 'x'], block: 'Error: x is 2, but y', section: 'One' },
			{ source: 'npm', spans: ['a `b` c'], block: undefined, section: 'Two' }
		]);
		expect(() => readMarkers('> LiveRPC: `a` and `b`\n')).toThrow(/a marker line is/);
	});

	it('find a piece in code only where it is whole at the quote\'s ends', () => {
		const code = "throw new Error(`Origin ${given} is neither the app's origin ${origin} nor in allowedOrigins`);";
		expect(occurs(code, ' nor in allowedOrigins', false, true)).toBe(true);
		expect(occurs(code, ' nor in allowedOrigin', false, true)).toBe(false);
		expect(occurs(code, ' nor in allowedOrigin', false, false)).toBe(true);
		expect(occurs(code, 'rigin ', true, false)).toBe(false);
	});

	it('match an example with … as any text and wrapped lines', () => {
		expect('help: Run it to pick\n      which to run.').toMatch(examplePattern(['Run it to pick which to run.']));
		expect('[x] refused: Origin a is b').toMatch(examplePattern(['[x] refused:', 'Origin … is b']));
		expect('Origin a is c').not.toMatch(examplePattern(['Origin … is b']));
		expect('nor in allowedOrigins').not.toMatch(examplePattern(['nor in allowedOrigin']));
		expect('xOrigin a is b').not.toMatch(examplePattern(['Origin … is b']));
	});

	it("make GitHub's anchors", () => {
		expect(anchorOf('`node build` stops at startup: an option LiveRPC cannot use')).toBe('node-build-stops-at-startup-an-option-liverpc-cannot-use');
		expect(anchorOf('Every handshake fails with 500 behind a proxy: ADDRESS_HEADER and XFF_DEPTH')).toBe(
			'every-handshake-fails-with-500-behind-a-proxy-address_header-and-xff_depth'
		);
		expect(anchorOf('`hooks.socket.ts` exports')).toBe('hookssocketts-exports');
	});
});
