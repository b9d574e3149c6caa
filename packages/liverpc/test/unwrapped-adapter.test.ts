// #11, part 6: `vite build` of an app with .socket.ts files whose adapter is not wrapped by
// liverpcAdapter() fails, naming the fix: that app's node build would serve no sockets.
// A real SvelteKit 2 app in a temp dir, built by the real Vite.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const NODE_MODULES = fileURLToPath(new URL('../../../node_modules', import.meta.url));

let root = '';
function writeApp(adapterCode: string) {
	const files: Record<string, string> = {
		'package.json': JSON.stringify({ name: 'unwrapped-app', private: true, type: 'module' }),
		'svelte.config.js': `import adapterNode from '@sveltejs/adapter-node';\nimport { liverpcAdapter } from 'liverpc/adapter';\nvoid liverpcAdapter;\nexport default { kit: { adapter: ${adapterCode} } };\n`,
		'vite.config.js': "import { sveltekit } from '@sveltejs/kit/vite';\nimport { liverpc } from 'liverpc/vite';\nexport default { logLevel: 'error', plugins: [sveltekit(), liverpc()] };\n",
		'src/app.html': '<html><head>%sveltekit.head%</head><body>%sveltekit.body%</body></html>',
		'src/routes/+page.svelte': '<p>home</p>\n',
		'src/routes/chat/chat.socket.ts': "import { call } from 'liverpc/server';\nexport const ping = call(() => 'pong');\n"
	};
	for (const [file, text] of Object.entries(files)) {
		mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
		writeFileSync(path.join(root, file), text);
	}
}
async function build(): Promise<string> {
	try {
		const { stdout, stderr } = await run(process.execPath, [path.join(NODE_MODULES, 'vite/bin/vite.js'), 'build'], { cwd: root });
		return stdout + stderr;
	} catch (failed) {
		const { stdout, stderr } = failed as { stdout: string; stderr: string };
		return `FAILED\n${stdout}${stderr}`;
	}
}

beforeAll(() => {
	root = mkdtempSync(path.join(os.tmpdir(), 'liverpc-unwrapped-'));
	symlinkSync(NODE_MODULES, path.join(root, 'node_modules'), 'dir');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('an adapter not wrapped by liverpcAdapter()', () => {
	it('fails vite build, naming the adapter and the fix', async () => {
		writeApp("adapterNode({ out: 'build' })");
		const output = await build();
		expect(output).toMatch(/^FAILED/);
		expect(output).toContain('its adapter (@sveltejs/adapter-node) is not wrapped');
		expect(output).toContain("liverpcAdapter(adapter()) with liverpcAdapter from 'liverpc/adapter'");
		expect(existsSync(path.join(root, 'build/sockets.js'))).toBe(false);
	}, 120_000);

	it('builds once it is wrapped, with build/sockets.js for node build', async () => {
		writeApp("liverpcAdapter(adapterNode({ out: 'build' }))");
		const output = await build();
		expect(output).not.toMatch(/^FAILED/);
		expect(existsSync(path.join(root, 'build/sockets.js'))).toBe(true);
	}, 120_000);
});
