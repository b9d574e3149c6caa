import os from 'node:os';
import path from 'node:path';
import { configDefaults, defineConfig } from 'vitest/config';

/** What differs between the runs of this example's tests: here on SvelteKit 2, and in ../rooms-kit3 on SvelteKit 3. */
export interface RoomsTestOptions {
	/** Starts the name of the contract tests' database file in the temp dir, so the two runs never share one. */
	databasePrefix: string;
	/** Browser test files (as `tests/….test.ts`) this run leaves out. */
	leftOut?: string[];
}

/**
 * The test projects of the Rooms app in the folder vitest runs from: this one, or
 * ../rooms-kit3, which stages this app and its tests and builds its config with this.
 */
export function roomsTestConfig({ databasePrefix, leftOut = [] }: RoomsTestOptions) {
	return defineConfig({
		test: {
			projects: [
				{
					// Unit tests of the room contracts with liverpc/testing, next to them in src/: they
					// run with the app's own Vite config (sveltekit() and liverpc()) in this process.
					extends: './vite.config.ts',
					test: {
						name: 'contracts',
						include: ['src/**/*.test.ts'],
						env: { DATABASE_PATH: path.join(os.tmpdir(), `${databasePrefix}-contracts-${process.pid}.db`) }
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
						exclude: [...configDefaults.exclude, ...leftOut],
						fileParallelism: false,
						testTimeout: 90_000,
						hookTimeout: 120_000,
						globalSetup: ['tests/support/global-setup.ts']
					}
				}
			]
		}
	});
}

export default roomsTestConfig({ databasePrefix: 'rooms' });
