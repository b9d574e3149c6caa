// A key the page gives each message it sends, so the server stores a message sent twice
// (the reply was lost, the server restarted) once. Safe in the browser and on the server.

/** 16 random bytes as 32 hex characters; `crypto.getRandomValues` also works over plain HTTP. */
export function messageKey(): string {
	const bytes = crypto.getRandomValues(new Uint8Array(16));
	return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}
