// Finds a Socket.IO wsEngine (eiows) for the bench, and says why when there is none.
// eiows is a native addon built for one exact Node release, so whether it loads can only be
// told by the Node that will run the server: run.mjs runs this file as a script with that
// Node (and its flags) and reads one line of JSON back.
//   node bench/lib/ws-engine.mjs eiows [dir]
// [dir] is the eiows package itself or a folder whose node_modules holds it; without it,
// eiows is looked up from the bench as a plain dependency.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The absolute file of `name` as `require` resolves it from `dir` (or from the bench). */
export function resolveEngine(name, dir) {
	const from = dir ? createRequire(`${path.resolve(dir)}/`) : createRequire(import.meta.url);
	return from.resolve(name);
}

/** Loads the engine at `file` (from resolveEngine) and returns its `Server`, the wsEngine. */
export function loadEngine(file) {
	const Server = createRequire(import.meta.url)(file).Server;
	if (typeof Server !== 'function') throw new Error(`${file} has no Server export`);
	return Server;
}

/** The version in the package.json nearest above `file`. */
function versionOf(file) {
	for (let dir = path.dirname(file); dir !== path.dirname(dir); dir = path.dirname(dir)) {
		try {
			return JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')).version;
		} catch {}
	}
	return undefined;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
	const [name, dir] = process.argv.slice(2);
	let answer;
	try {
		const file = resolveEngine(name, dir);
		loadEngine(file);
		answer = { available: true, file, version: versionOf(file) };
	} catch (error) {
		// What was missing or did not link, without Node's require stack.
		const lines = String(error?.message ?? error).split('\n').map((line) => line.trim());
		const reason = lines.filter((line) => line && line !== 'Require stack:' && !line.startsWith('- ')).join(' ');
		answer = { available: false, reason: reason.slice(0, 400) };
	}
	console.log(JSON.stringify({ node: process.version, ...answer }));
}
