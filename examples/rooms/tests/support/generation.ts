import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

// These tests run twice (#10): on this app (SvelteKit 2, adapter-node 5, Node 20) and on its
// copy in examples/rooms-kit3 (SvelteKit 3, adapter-node 6, Node 22), staged with the same files.

const appRoot = fileURLToPath(new URL('../..', import.meta.url));

/** The major version of the SvelteKit the app under test is built with. */
export const kitMajor = Number.parseInt(
	(JSON.parse(readFileSync(createRequire(appRoot + 'package.json').resolve('@sveltejs/kit/package.json'), 'utf8')) as { version: string }).version,
	10
);

// adapter-node 5 takes the app's origin from ORIGIN when the process starts; adapter-node 6
// has no ORIGIN: the origin is `paths.origin`, fixed at build time, or else it comes from the
// request, as https unless PROTOCOL_HEADER names a header that says otherwise. The tests run
// many servers of one build, each on its own port, so on SvelteKit 3 they stand in for a
// reverse proxy that tells the app the browser used plain http.
const forwarded = kitMajor >= 3;

/** Environment for `node build` and the custom server: which header carries the scheme. */
export const proxyEnv: Record<string, string> = forwarded ? { PROTOCOL_HEADER: 'x-forwarded-proto' } : {};

/** Headers a client adds to every request, as that proxy would. */
export const proxyHeaders: Record<string, string> = forwarded ? { 'x-forwarded-proto': 'http' } : {};
