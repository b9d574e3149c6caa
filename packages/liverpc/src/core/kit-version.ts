import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

// LiveRPC serves two generations of SvelteKit from one package. They differ in how
// `vite dev` loads server code, how `vite build` is split into environments and what
// adapter-node writes, so the library reads which one the app has installed instead of
// asking the user for a switch. The version is read from the app's own node_modules, as
// SvelteKit's Vite plugin resolves it, never from LiveRPC's location (a monorepo may hold both).

/** The SvelteKit generation an app runs on. */
export interface KitVersion {
	/** `2` or `3`. */
	major: 2 | 3;
	/** The installed version, e.g. `3.2.0`. */
	version: string;
}

/** What each supported generation needs, in the words the error messages use. */
const SUPPORTED = {
	2: { minor: 20, node: [20, 19], adapterNode: 5 },
	3: { minor: 0, node: [22, 17], adapterNode: 6 }
} as const;

/** The `package.json` of `name` as resolved from `root`, or undefined when it is not installed. */
export function readInstalledPackage(root: string, name: string): { version: string } | undefined {
	const require = createRequire(path.join(root, 'package.json'));
	let file: string;
	try {
		file = require.resolve(`${name}/package.json`);
	} catch {
		return undefined;
	}
	const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
	const version = parsed && typeof parsed === 'object' ? (parsed as { version?: unknown }).version : undefined;
	return typeof version === 'string' ? { version } : undefined;
}

function parseVersion(version: string): [number, number, number] {
	const [major = 0, minor = 0, patch = 0] = version.split(/[.+-]/, 3).map((part) => Number.parseInt(part, 10) || 0);
	return [major, minor, patch];
}

/**
 * The SvelteKit generation installed for the app at `root`. Throws, naming what to change,
 * when SvelteKit is missing or is a version LiveRPC does not support, or when this Node is
 * too old for it.
 *
 * @param nodeVersion the running Node's version, `process.versions.node` by default
 */
export function readKitVersion(root: string, nodeVersion = process.versions.node): KitVersion {
	const installed = readInstalledPackage(root, '@sveltejs/kit');
	if (!installed) {
		throw new Error(`LiveRPC needs @sveltejs/kit in the app at ${root}: npm install -D @sveltejs/kit`);
	}
	const [major, minor] = parseVersion(installed.version);
	if (major !== 2 && major !== 3) {
		throw new Error(
			`LiveRPC supports @sveltejs/kit 2.20 or later 2.x, and 3.x; this app has ${installed.version}. Install @sveltejs/kit@^3 (Node 22.17+) or @sveltejs/kit@^2.20, or a LiveRPC release made for SvelteKit ${major}.`
		);
	}
	const needs = SUPPORTED[major];
	if (minor < needs.minor) {
		throw new Error(`LiveRPC supports @sveltejs/kit 2.20 or later; this app has ${installed.version}: npm install -D @sveltejs/kit@^2.20`);
	}
	const [nodeMajor, nodeMinor] = parseVersion(nodeVersion);
	const [wantMajor, wantMinor] = needs.node;
	if (nodeMajor < wantMajor || (nodeMajor === wantMajor && nodeMinor < wantMinor)) {
		throw new Error(
			`SvelteKit ${installed.version} needs Node ${wantMajor}.${wantMinor} or later, and this is Node ${nodeVersion}: run a newer Node` +
				(major === 3 ? ', or stay on @sveltejs/kit@^2 with @sveltejs/adapter-node@^5, which run on Node 20.19+.' : '.')
		);
	}
	return { major, version: installed.version };
}

/**
 * Checks that the adapter-node installed at `root` is the one made for this SvelteKit:
 * 5 for SvelteKit 2, 6 for SvelteKit 3. Throws, naming the version to install, otherwise.
 */
export function checkAdapterNodeVersion(root: string, kit: KitVersion): void {
	const installed = readInstalledPackage(root, '@sveltejs/adapter-node');
	if (!installed) return; // liverpcAdapter() is handed the adapter itself; its absence is not ours to report.
	const [major] = parseVersion(installed.version);
	const wanted = SUPPORTED[kit.major].adapterNode;
	if (major !== wanted) {
		throw new Error(
			`This app has @sveltejs/kit ${kit.version} with @sveltejs/adapter-node ${installed.version}; SvelteKit ${kit.major} needs adapter-node ${wanted}: npm install -D @sveltejs/adapter-node@^${wanted}`
		);
	}
}
