import { defineConfig } from 'vitest/config';

// The browser tests drive real processes (`node build`, `vite dev`, the custom server) and a
// real Chromium; they run one file at a time so two cores are not shared between browsers.
export default defineConfig({
	test: {
		include: ['tests/**/*.test.ts'],
		fileParallelism: false,
		testTimeout: 90_000,
		hookTimeout: 120_000,
		globalSetup: ['tests/support/global-setup.ts']
	}
});
