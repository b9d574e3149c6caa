import adapter from '@sveltejs/adapter-node';
import { sveltekit } from '@sveltejs/kit/vite';
import { liverpcAdapter } from 'liverpc/adapter';
import { liverpc } from 'liverpc/vite';
import { defineConfig } from 'vite';

export default defineConfig({
	plugins: [
		sveltekit({
			compilerOptions: {
				// Force runes mode for the project, except for libraries. Can be removed in svelte 6.
				runes: ({ filename }) => filename.split(/[/\\]/).includes('node_modules') ? undefined : true
			},
			// Socket.IO needs one long-lived Node process: the wrapper attaches it to the server
			// adapter-node builds, so `node build` serves pages and sockets together.
			adapter: liverpcAdapter(adapter())
		}),
		// After sveltekit(): serves the socket in `vite dev`, finds the *.socket.ts files and
		// gives the browser small stubs of them instead of their server code.
		liverpc()
	]
});
