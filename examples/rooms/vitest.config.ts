import os from 'node:os';
import path from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
	test: {
		projects: [
			{
				// Unit tests of the room contracts with liverpc/testing, next to them in src/: they
				// run with the app's own Vite config (sveltekit() and liverpc()) in this process.
				extends: './vite.config.ts',
				test: {
					name: 'contracts',
					include: ['src/**/*.test.ts'],
					env: { DATABASE_PATH: path.join(os.tmpdir(), `rooms-contracts-${process.pid}.db`) }
				}
			},
			{
				// The browser tests drive real processes (`node build`, `vite dev`, the custom
				// server) and a real Chromium; they run one file at a time so two cores are not
				// shared between browsers. The app's Vite config lets a test import a contract,
				// as a Node client of a running app.
				extends: './vite.config.ts',
				test: {
					name: 'browser',
					include: ['tests/**/*.test.ts'],
					fileParallelism: false,
					testTimeout: 90_000,
					hookTimeout: 120_000,
					globalSetup: ['tests/support/global-setup.ts']
				}
			}
		]
	}
});
