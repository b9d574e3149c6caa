import type { SessionUser } from '$lib/types';

// See https://svelte.dev/docs/kit/types#app.d.ts
declare global {
	namespace App {
		// Set by hooks.server.ts for pages, form actions and endpoints.
		interface Locals {
			user?: SessionUser;
		}
		// Set by hooks.socket.ts for every realtime connection; .socket.ts handlers see only this.
		interface SocketLocals {
			user?: SessionUser;
		}
	}
}

export {};
