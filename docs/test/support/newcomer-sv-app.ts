// An empty SvelteKit 2 app as `sv create` 0.17.1 writes it (#13), the starting point of
// tutorial 01:
//
//   npx sv create --template minimal --types ts --add sveltekit-adapter="adapter:node" my-app
//
// The files below are that command's output (its README.md left out). Only package.json
// differs: its devDependencies are pinned to the versions the repository's package-lock.json
// holds, so the install is reproducible and comes from npm's cache.
import { readFileSync } from 'node:fs';

/** sv create's package.json devDependencies, as it writes them (sv 0.17.1). */
export const SV_DEV_DEPENDENCIES: Record<string, string> = {
	'@sveltejs/adapter-node': '^5.5.4',
	'@sveltejs/kit': '^2.63.0',
	'@sveltejs/vite-plugin-svelte': '^7.1.2',
	svelte: '^5.56.1',
	'svelte-check': '^4.6.0',
	typescript: '^6.0.3',
	vite: '^8.0.16'
};

/**
 * The newest version the lock file holds (at any depth) within `range`, a `^x.y.z`
 * range as sv writes them.
 */
export function lockedVersion(lockFile: string, name: string, range: string): string {
	const { packages } = JSON.parse(readFileSync(lockFile, 'utf8')) as { packages: Record<string, { version?: string }> };
	const [major, minor, patch] = parse(range.replace(/^\^/, ''));
	const found = Object.entries(packages)
		.filter(([key, entry]) => (key === `node_modules/${name}` || key.endsWith(`/node_modules/${name}`)) && entry.version)
		.map(([, entry]) => entry.version!)
		.filter((version) => {
			const [a, b, c] = parse(version);
			return a === major && (b > minor || (b === minor && c >= patch)) && !version.includes('-');
		})
		.sort((x, y) => compare(parse(y), parse(x)));
	if (!found[0]) throw new Error(`package-lock.json holds no ${name}@${range}: run npm install at the repository's root`);
	return found[0];
}

const parse = (version: string) => version.split(/[.-]/).slice(0, 3).map(Number) as [number, number, number];
const compare = (a: number[], b: number[]) => a[0]! - b[0]! || a[1]! - b[1]! || a[2]! - b[2]!;

/** sv create's package.json, its devDependencies pinned from the lock file. */
export function svPackageJson(name: string, lockFile: string): string {
	const devDependencies = Object.fromEntries(
		Object.entries(SV_DEV_DEPENDENCIES).map(([dependency, range]) => [dependency, lockedVersion(lockFile, dependency, range)])
	);
	const manifest = {
		name,
		private: true,
		version: '0.0.1',
		type: 'module',
		scripts: {
			dev: 'vite dev',
			build: 'vite build',
			preview: 'vite preview',
			prepare: "svelte-kit sync || echo ''",
			check: 'svelte-kit sync && svelte-check --tsconfig ./tsconfig.json',
			'check:watch': 'svelte-kit sync && svelte-check --tsconfig ./tsconfig.json --watch'
		},
		devDependencies
	};
	return JSON.stringify(manifest, null, '\t') + '\n';
}

/**
 * What sv create adds for pnpm (11 and later): it allows esbuild's install script. Vite 8
 * no longer depends on esbuild, so nothing of this app runs it; the file is written because
 * a newcomer on pnpm has it.
 */
export const SV_PNPM_WORKSPACE = 'allowBuilds:\n  esbuild: true\n';

/** Every other file of the app, by path, as sv create writes it. */
export const SV_FILES: Record<string, string> = {
	'.gitignore': String.raw`node_modules

# Output
.output
.vercel
.netlify
.wrangler
/.svelte-kit
/build

# OS
.DS_Store
Thumbs.db

# Env
.env
.env.*
!.env.example
!.env.test

# Vite
vite.config.js.timestamp-*
vite.config.ts.timestamp-*
`,
	'.npmrc': String.raw`engine-strict=true
`,
	'.vscode/extensions.json': String.raw`{
	"recommendations": ["svelte.svelte-vscode"]
}
`,
	'src/app.d.ts': String.raw`// See https://svelte.dev/docs/kit/types#app.d.ts
// for information about these interfaces
declare global {
	namespace App {
		// interface Error {}
		// interface Locals {}
		// interface PageData {}
		// interface PageState {}
		// interface Platform {}
	}
}

export {};
`,
	'src/app.html': String.raw`<!doctype html>
<html lang="en">
	<head>
		<meta charset="utf-8" />
		<meta name="viewport" content="width=device-width, initial-scale=1" />
		<meta name="text-scale" content="scale" />
		%sveltekit.head%
	</head>
	<body data-sveltekit-preload-data="hover">
		<div style="display: contents">%sveltekit.body%</div>
	</body>
</html>
`,
	'src/lib/assets/favicon.svg': String.raw`<svg xmlns="http://www.w3.org/2000/svg" width="107" height="128" viewBox="0 0 107 128"><title>svelte-logo</title><path d="M94.157 22.819c-10.4-14.885-30.94-19.297-45.792-9.835L22.282 29.608A29.92 29.92 0 0 0 8.764 49.65a31.5 31.5 0 0 0 3.108 20.231 30 30 0 0 0-4.477 11.183 31.9 31.9 0 0 0 5.448 24.116c10.402 14.887 30.942 19.297 45.791 9.835l26.083-16.624A29.92 29.92 0 0 0 98.235 78.35a31.53 31.53 0 0 0-3.105-20.232 30 30 0 0 0 4.474-11.182 31.88 31.88 0 0 0-5.447-24.116" style="fill:#ff3e00"/><path d="M45.817 106.582a20.72 20.72 0 0 1-22.237-8.243 19.17 19.17 0 0 1-3.277-14.503 18 18 0 0 1 .624-2.435l.49-1.498 1.337.981a33.6 33.6 0 0 0 10.203 5.098l.97.294-.09.968a5.85 5.85 0 0 0 1.052 3.878 6.24 6.24 0 0 0 6.695 2.485 5.8 5.8 0 0 0 1.603-.704L69.27 76.28a5.43 5.43 0 0 0 2.45-3.631 5.8 5.8 0 0 0-.987-4.371 6.24 6.24 0 0 0-6.698-2.487 5.7 5.7 0 0 0-1.6.704l-9.953 6.345a19 19 0 0 1-5.296 2.326 20.72 20.72 0 0 1-22.237-8.243 19.17 19.17 0 0 1-3.277-14.502 17.99 17.99 0 0 1 8.13-12.052l26.081-16.623a19 19 0 0 1 5.3-2.329 20.72 20.72 0 0 1 22.237 8.243 19.17 19.17 0 0 1 3.277 14.503 18 18 0 0 1-.624 2.435l-.49 1.498-1.337-.98a33.6 33.6 0 0 0-10.203-5.1l-.97-.294.09-.968a5.86 5.86 0 0 0-1.052-3.878 6.24 6.24 0 0 0-6.696-2.485 5.8 5.8 0 0 0-1.602.704L37.73 51.72a5.42 5.42 0 0 0-2.449 3.63 5.79 5.79 0 0 0 .986 4.372 6.24 6.24 0 0 0 6.698 2.486 5.8 5.8 0 0 0 1.602-.704l9.952-6.342a19 19 0 0 1 5.295-2.328 20.72 20.72 0 0 1 22.237 8.242 19.17 19.17 0 0 1 3.277 14.503 18 18 0 0 1-8.13 12.053l-26.081 16.622a19 19 0 0 1-5.3 2.328" style="fill:#fff"/></svg>`,
	'src/lib/index.ts': "// place files you want to import through the `$lib` alias in this folder.\n",
	'src/routes/+layout.svelte': String.raw`<script lang="ts">
	import favicon from '$lib/assets/favicon.svg';

	let { children } = $props();
</script>

<svelte:head>
	<link rel="icon" href={favicon} />
</svelte:head>

{@render children()}
`,
	'src/routes/+page.svelte': String.raw`<h1>Welcome to SvelteKit</h1>
<p>Visit <a href="https://svelte.dev/docs/kit">svelte.dev/docs/kit</a> to read the documentation</p>
`,
	'static/robots.txt': String.raw`# allow crawling everything by default
User-agent: *
Disallow:
`,
	'tsconfig.json': String.raw`{
	"extends": "./.svelte-kit/tsconfig.json",
	"compilerOptions": {
		"rewriteRelativeImportExtensions": true,
		"allowJs": true,
		"checkJs": true,
		"esModuleInterop": true,
		"forceConsistentCasingInFileNames": true,
		"resolveJsonModule": true,
		"skipLibCheck": true,
		"sourceMap": true,
		"strict": true,
		"moduleResolution": "bundler"
	}
	// Path aliases are handled by https://svelte.dev/docs/kit/configuration#alias
	// except $lib which is handled by https://svelte.dev/docs/kit/configuration#files
	//
	// To make changes to top-level options such as include and exclude, we recommend extending
	// the generated config; see https://svelte.dev/docs/kit/configuration#typescript
}
`,
	'vite.config.ts': String.raw`import adapter from '@sveltejs/adapter-node';
import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vite';

export default defineConfig({
	plugins: [
		sveltekit({
			compilerOptions: {
				// Force runes mode for the project, except for libraries. Can be removed in svelte 6.
				runes: ({ filename }) => filename.split(/[/\\]/).includes('node_modules') ? undefined : true
			},
			adapter: adapter()
		})
	]
});
`,
};
