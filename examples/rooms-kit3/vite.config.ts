import adapterNode from '@sveltejs/adapter-node';
import { sveltekit } from '@sveltejs/kit/vite';
import { liverpcAdapter } from 'liverpc/adapter';
import { liverpc } from 'liverpc/vite';
import { defineConfig } from 'vite';

// SvelteKit 3 reads its configuration only from the sveltekit() plugin: there is no
// svelte.config.js. liverpc() comes after sveltekit(), as on SvelteKit 2.
export default defineConfig({
	plugins: [
		sveltekit({
			// Socket.IO needs one long-lived Node process: the wrapper attaches it to the server
			// adapter-node 6 builds, so `node build` serves pages and sockets together.
			adapter: liverpcAdapter(adapterNode()),
			// adapter-node 6 reads no ORIGIN at run time: the app's origin is fixed at build time
			// (`ORIGIN=https://chat.example.com npm run build`). Without it, adapter-node takes
			// the origin from the request, as https unless PROTOCOL_HEADER says otherwise.
			paths: { origin: process.env.ORIGIN || undefined },
			// SvelteKit 3 loads src/instrumentation.server.ts without an option (SvelteKit 2 needs
			// experimental.instrumentation); its spans record once that file registers an SDK.
			tracing: { server: true }
		}),
		liverpc()
	]
});
