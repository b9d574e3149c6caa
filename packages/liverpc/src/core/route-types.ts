import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ContractFile } from './socket-files.js';

// Typed params with no step the user runs. For each folder holding a `.socket.ts`
// file, the Vite plugin writes `<outDir>/liverpc/types/<folder>/$socket.d.ts`, the way
// SvelteKit writes `<outDir>/types/<folder>/$types.d.ts`, and adds that tree to the
// `rootDirs` of SvelteKit's generated tsconfig: then `import { join } from './$socket'` in
// `src/routes/rooms/[roomId]/chat.socket.ts` finds the declarations of that folder.
// SvelteKit's own types folder cannot hold them: it deletes files it did not write.

const DECLARATIONS = '$socket.d.ts';

/** Where the plugin writes the folders' declarations: beside SvelteKit's `types`. */
export function socketTypesDir(kitOutDir: string): string {
	return path.join(kitOutDir, 'liverpc', 'types');
}

/** The declarations of one folder's `./$socket`. */
export function folderDeclarations(folderId: string, source: string): string {
	return [
		`// Written by liverpc's Vite plugin for ${source}: do not edit. It is rewritten when`,
		`// vite dev, vite build or svelte-kit sync run, and when a .socket.ts file is added.`,
		`import type { CallBuilder, EventBuilder, JoinBuilder, PresenceBuilder, RoomParamsOf } from 'liverpc/server';`,
		`export * from 'liverpc/server';`,
		`/** The params of every room of this folder, read from its name. */`,
		`export type RouteParams = RoomParamsOf<${JSON.stringify(folderId)}>;`,
		`/** \`join\` of liverpc/server, with \`params\` typed for this folder. */`,
		`export declare const join: JoinBuilder<RouteParams>;`,
		`/** \`call\` of liverpc/server, with \`params\` typed for this folder. */`,
		`export declare const call: CallBuilder<RouteParams>;`,
		`/** \`event\` of liverpc/server, with \`params\` (history, \`to()\`) typed for this folder. */`,
		`export declare const event: EventBuilder<RouteParams>;`,
		`/** \`presence\` of liverpc/server, with \`params\` typed for this folder. */`,
		`export declare const presence: PresenceBuilder<RouteParams>;`,
		''
	].join('\n');
}

/**
 * Writes `$socket.d.ts` for every folder holding a contract and removes those of folders
 * that no longer hold one. Files whose text is unchanged are not touched, so an editor's
 * TypeScript server is not made to reload for nothing.
 *
 * @returns the declaration files now in place
 */
export function writeSocketTypes(root: string, routesDir: string, kitOutDir: string, contracts: ContractFile[]): string[] {
	const typesDir = socketTypesDir(kitOutDir);
	const wanted = new Map<string, string>();
	for (const contract of contracts) {
		const folder = path.dirname(contract.file);
		const file = path.join(typesDir, path.relative(root, folder), DECLARATIONS);
		if (!wanted.has(file)) wanted.set(file, folderDeclarations(folderRouteId(contract.routeId), path.relative(root, folder).split(path.sep).join('/')));
	}
	for (const stale of findDeclarations(typesDir)) {
		if (!wanted.has(stale)) rmSync(stale, { force: true });
	}
	for (const [file, text] of wanted) {
		if (existsSync(file) && readFileSync(file, 'utf8') === text) continue;
		mkdirSync(path.dirname(file), { recursive: true });
		writeFileSync(file, text);
	}
	return [...wanted.keys()];
}

function findDeclarations(dir: string): string[] {
	if (!existsSync(dir)) return [];
	const found: string[] = [];
	for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
		if (entry.isFile() && entry.name === DECLARATIONS) found.push(path.join(entry.parentPath, entry.name));
	}
	return found;
}

/**
 * The tsconfig files SvelteKit writes for the app's own to extend: `<outDir>/tsconfig.json`
 * on SvelteKit 2, `node_modules/$app/tsconfig.json` on SvelteKit 3.
 */
export function kitTsconfigFiles(root: string, kitOutDir: string): string[] {
	return [path.join(kitOutDir, 'tsconfig.json'), path.join(root, 'node_modules', '$app', 'tsconfig.json')].filter((file) => existsSync(file));
}

/**
 * Adds the declarations' tree to the `rootDirs` of one of SvelteKit's tsconfig files, next to
 * SvelteKit's own types folder. Returns false when the file is not SvelteKit's shape (then it
 * is left alone).
 */
export function linkSocketTypes(tsconfigFile: string, kitOutDir: string): boolean {
	let tsconfig: { compilerOptions?: { rootDirs?: unknown } };
	try {
		tsconfig = JSON.parse(readFileSync(tsconfigFile, 'utf8'));
	} catch {
		return false;
	}
	const rootDirs = tsconfig.compilerOptions?.rootDirs;
	if (!Array.isArray(rootDirs)) return false;
	const base = path.dirname(tsconfigFile);
	const ours = socketTypesDir(kitOutDir);
	if (rootDirs.some((dir) => typeof dir === 'string' && path.resolve(base, dir) === ours)) return true;
	let relative = path.relative(base, ours).split(path.sep).join('/');
	if (!relative.startsWith('.')) relative = `./${relative}`;
	rootDirs.push(relative);
	writeFileSync(tsconfigFile, JSON.stringify(tsconfig, null, '\t'));
	return true;
}

/**
 * Adds the declarations' tree to a tsconfig object SvelteKit is about to write, given to
 * its `typescript.config` hook: the entry is made from SvelteKit's own `…/types` entry, so
 * it is relative to whatever that one is relative to.
 */
export function linkSocketTypesInto(tsconfig: { compilerOptions?: { rootDirs?: unknown } }): void {
	const rootDirs = tsconfig.compilerOptions?.rootDirs;
	if (!Array.isArray(rootDirs)) return;
	const kitTypes = rootDirs.find((dir): dir is string => typeof dir === 'string' && /(^|\/)types\/?$/.test(dir) && !/(^|\/)liverpc\/types\/?$/.test(dir));
	if (kitTypes === undefined) return;
	const ours = kitTypes.replace(/types\/?$/, 'liverpc/types');
	if (!rootDirs.includes(ours)) rootDirs.push(ours);
}

/**
 * The route id of a contract folder, what its params are read from: `rooms/[roomId]` for
 * `src/routes/rooms/[roomId]/chat.socket.ts`, `''` for the routes folder itself.
 */
export function folderRouteId(contractRouteId: string): string {
	const folder = path.posix.dirname(contractRouteId);
	return folder === '.' ? '' : folder;
}
