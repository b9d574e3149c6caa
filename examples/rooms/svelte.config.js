import adapterNode from '@sveltejs/adapter-node';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';
import { liverpcAdapter } from 'liverpc/adapter';

/** @type {import('@sveltejs/kit').Config} */
export const config = {
	preprocess: vitePreprocess(),
	kit: {
		// Socket.IO needs one long-lived Node process: the wrapper attaches it to the server
		// adapter-node builds, so `node build` serves pages and sockets together.
		adapter: liverpcAdapter(adapterNode()),
		experimental: {
			// src/instrumentation.server.ts, loaded before the rest of the server, registers the
			// OpenTelemetry SDK when METRICS_PORT or a trace exporter is set (#22); SvelteKit's
			// own spans (sveltekit.handle.root, sveltekit.form_action, …) record through it, and
			// LiveRPC's nest under them. Without an SDK both record nothing.
			instrumentation: { server: true },
			tracing: { server: true }
		}
	}
};

// SvelteKit only reads the default export of svelte.config.js.
export default config;
