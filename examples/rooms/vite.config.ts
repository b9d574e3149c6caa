import { sveltekit } from '@sveltejs/kit/vite';
import { liverpc } from 'liverpc/vite';
import { defineConfig } from 'vite';

export default defineConfig({
	// liverpc() comes after sveltekit(): it serves the socket on the dev server, finds the
	// .socket.ts files and swaps them for small stubs in the browser build.
	plugins: [sveltekit(), liverpc()]
});
