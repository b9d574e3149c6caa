import { defineConfig } from 'vitest/config';

// The docs' tests: code blocks against the files they show, the reference against the
// package's exports, and a newcomer's app built from tutorial 01 with the packed package.
export default defineConfig({
	test: {
		include: ['test/**/*.test.ts'],
		// One file at a time: the newcomer test builds and packs the library, which empties
		// packages/liverpc/dist while the reference test would be reading its declarations.
		fileParallelism: false,
		testTimeout: 60_000
	}
});
