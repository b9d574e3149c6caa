import type { Socket } from 'socket.io';
import { CLIENT_KEY } from '../../shared/protocol.js';

// The client key: a random name a client gives itself in the handshake's `auth`, under which
// its call numbers are remembered across reconnects. It is all LiveRPC reads of `auth`, so
// the handshake reads and checks it once, before the request (and a large `auth`) is let go.

// A key the client made with crypto.getRandomValues: base64url, 16 to 64 characters.
const CLIENT_KEY_FORMAT = /^[A-Za-z0-9_-]{16,64}$/;

// The checked client key, symbol-keyed on socket.data like the memberships: out of serialisation.
const CHECKED_CLIENT_KEY = Symbol('liverpc.clientKey');

/** The client key of the handshake, checked once per connection (undefined: none or malformed). */
export function clientKeyOf(socket: Socket): string | undefined {
	const data = socket.data as { [CHECKED_CLIENT_KEY]?: string | null };
	let key = data[CHECKED_CLIENT_KEY];
	if (key === undefined) {
		const auth = socket.handshake.auth as Record<string, unknown> | undefined;
		const given = typeof auth === 'object' && auth !== null ? auth[CLIENT_KEY] : undefined;
		key = data[CHECKED_CLIENT_KEY] = typeof given === 'string' && CLIENT_KEY_FORMAT.test(given) ? given : null;
	}
	return key ?? undefined;
}
