import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkAdapterNodeVersion, readKitVersion } from './kit-version.js';

const roots: string[] = [];
afterEach(() => {
	for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

/** An app folder whose node_modules holds these packages at these versions. */
function app(packages: Record<string, string>): string {
	const root = mkdtempSync(path.join(os.tmpdir(), 'liverpc-kit-'));
	roots.push(root);
	writeFileSync(path.join(root, 'package.json'), '{"name":"app","type":"module"}');
	for (const [name, version] of Object.entries(packages)) {
		const dir = path.join(root, 'node_modules', name);
		mkdirSync(dir, { recursive: true });
		writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name, version, exports: { './package.json': './package.json' } }));
	}
	return root;
}

describe('readKitVersion()', () => {
	it("reads the app's own SvelteKit, 2 or 3", () => {
		expect(readKitVersion(app({ '@sveltejs/kit': '2.70.4' }), '20.19.0')).toEqual({ major: 2, version: '2.70.4' });
		expect(readKitVersion(app({ '@sveltejs/kit': '3.2.0' }), '22.23.3')).toEqual({ major: 3, version: '3.2.0' });
	});

	it('names what to install when SvelteKit is missing, too old or too new', () => {
		expect(() => readKitVersion(app({}), '22.23.3')).toThrow(/needs @sveltejs\/kit .*npm install -D @sveltejs\/kit/);
		expect(() => readKitVersion(app({ '@sveltejs/kit': '2.19.0' }), '22.23.3')).toThrow(/supports @sveltejs\/kit 2\.20 or later; this app has 2\.19\.0/);
		expect(() => readKitVersion(app({ '@sveltejs/kit': '1.30.4' }), '22.23.3')).toThrow(/this app has 1\.30\.4/);
		expect(() => readKitVersion(app({ '@sveltejs/kit': '4.0.0' }), '22.23.3')).toThrow(/a LiveRPC release made for SvelteKit 4/);
	});

	it('refuses SvelteKit 3 on a Node older than 22.17, and says how to stay on SvelteKit 2', () => {
		const root = app({ '@sveltejs/kit': '3.2.0' });
		expect(() => readKitVersion(root, '20.20.2')).toThrow(/SvelteKit 3\.2\.0 needs Node 22\.17 or later, and this is Node 20\.20\.2/);
		expect(() => readKitVersion(root, '22.16.0')).toThrow(/stay on @sveltejs\/kit@\^2 with @sveltejs\/adapter-node@\^5/);
		expect(readKitVersion(root, '24.1.0').major).toBe(3);
		expect(() => readKitVersion(app({ '@sveltejs/kit': '2.70.4' }), '20.18.1')).toThrow(/needs Node 20\.19 or later/);
	});
});

describe('checkAdapterNodeVersion()', () => {
	it('accepts adapter-node 5 with SvelteKit 2 and 6 with SvelteKit 3', () => {
		expect(() => checkAdapterNodeVersion(app({ '@sveltejs/adapter-node': '5.5.7' }), { major: 2, version: '2.70.4' })).not.toThrow();
		expect(() => checkAdapterNodeVersion(app({ '@sveltejs/adapter-node': '6.0.1' }), { major: 3, version: '3.2.0' })).not.toThrow();
	});

	it('names the adapter-node to install for a mismatched pair', () => {
		expect(() => checkAdapterNodeVersion(app({ '@sveltejs/adapter-node': '5.5.7' }), { major: 3, version: '3.2.0' })).toThrow(
			/SvelteKit 3 needs adapter-node 6: npm install -D @sveltejs\/adapter-node@\^6/
		);
		expect(() => checkAdapterNodeVersion(app({ '@sveltejs/adapter-node': '6.0.1' }), { major: 2, version: '2.70.4' })).toThrow(/adapter-node@\^5/);
	});
});
