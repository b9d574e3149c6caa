// `prepack`: copies the reference (docs/reference/*.md at the repository's root) into this
// package's docs/reference/, so the tarball ships it. The copy is not committed
// (packages/liverpc/.gitignore); docs/reference/ at the root is the one to edit.
//
// A file whose content is already there is not written again, so two packs at once (the docs
// tests pack the package) never read a half-written page; a page gone from the source is
// removed from the copy.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const source = fileURLToPath(new URL('../../../docs/reference/', import.meta.url));
const target = fileURLToPath(new URL('../docs/reference/', import.meta.url));

if (!existsSync(source)) {
	// Packing again from an unpacked tarball: the copy it shipped is all there is.
	if (existsSync(target)) process.exit(0);
	console.error(`liverpc prepack: no ${source} to copy the reference from`);
	process.exit(1);
}

const pages = readdirSync(source).filter((name) => name.endsWith('.md'));
if (pages.length === 0) {
	console.error(`liverpc prepack: ${source} holds no .md page`);
	process.exit(1);
}
mkdirSync(target, { recursive: true });
for (const name of pages) {
	const text = readFileSync(source + name);
	const copy = target + name;
	if (!existsSync(copy) || !readFileSync(copy).equals(text)) writeFileSync(copy, text);
}
for (const name of readdirSync(target)) {
	if (!pages.includes(name)) rmSync(target + name, { recursive: true, force: true });
}
