import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defaultClientConditions, defaultServerConditions, defineConfig } from 'vite';

// Tests run against src/, not dist/: the `liverpc-source` export condition points there.
export default defineConfig({
	resolve: { conditions: ['liverpc-source', ...defaultClientConditions] },
	ssr: { resolve: { conditions: ['liverpc-source', ...defaultServerConditions] } },
	test: {
		projects: [
			{
				extends: true,
				test: { name: 'node', include: ['src/**/*.test.ts', 'test/**/*.test.ts'], exclude: ['**/*.svelte.test.ts'] }
			},
			{
				extends: true,
				plugins: [svelte({ configFile: false })],
				// A DOM environment makes Vite compile `.svelte.ts` for the browser, where runes react.
				test: { name: 'svelte', include: ['src/**/*.svelte.test.ts'], environment: 'happy-dom' }
			}
		]
	}
});
