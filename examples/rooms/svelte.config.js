import adapterNode from '@sveltejs/adapter-node';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';
import { liverpcAdapter } from 'liverpc/adapter';

/** @type {import('@sveltejs/kit').Config} */
export const config = {
	preprocess: vitePreprocess(),
	kit: {
		// Socket.IO needs one long-lived Node process: the wrapper attaches it to the server
		// adapter-node builds, so `node build` serves pages and sockets together.
		adapter: liverpcAdapter(adapterNode())
	}
};

// SvelteKit only reads the default export of svelte.config.js.
export default config;

// Observability (docs/observability.md): src/instrumentation.server.ts, loaded before the rest
// of the server, registers an OpenTelemetry SDK when METRICS_PORT or a trace exporter is set.
// SvelteKit's own spans record through it, and LiveRPC's nest under them. Without an SDK,
// neither records anything.
config.kit = { ...config.kit, experimental: { instrumentation: { server: true }, tracing: { server: true } } };
