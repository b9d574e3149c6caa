// See https://svelte.dev/docs/kit/types#app.d.ts
// for information about these interfaces
declare global {
	namespace App {
		// interface Error {}
		// interface Locals {}
		// interface PageData {}
		// interface PageState {}
		// interface Platform {}

		// What src/hooks.socket.ts returns as `locals`, for every room's handlers.
		interface SocketLocals {
			name: string;
		}
	}
}

export {};
