import { roomsTestConfig } from '../rooms/vitest.config.ts';

// The contract unit tests and browser tests of ../rooms, staged into src/ and tests/, run
// against this app on SvelteKit 3 and Node 22, as there, with the config ../rooms builds.
// Two browser test files stay on SvelteKit 2 only, because they restart `node build` under
// an ORIGIN that differs from the build's, and adapter-node 6 has no run-time ORIGIN (the
// origin is `paths.origin`, fixed when the app is built):
// - options.test.ts checks the hook's `url` under a public ORIGIN;
// - chaos.test.ts puts a TCP proxy in front and tells the app the proxy's origin.
// What LiveRPC does with paths.origin is tested in packages/liverpc/test/adapter.test.ts.
// And redis-outage.test.ts, whose Redis outages exercise LiveRPC's scale-out, which does not
// depend on the SvelteKit version: it would double minutes of outages for nothing new.
export default roomsTestConfig({
	databasePrefix: 'rooms-kit3',
	leftOut: ['tests/options.test.ts', 'tests/chaos.test.ts', 'tests/redis-outage.test.ts']
});
