import { handleSocket } from 'liverpc/server';

// Runs on every connection, reconnects included. What it returns as `locals` is all the
// rooms know about who is connected: handlers never read identity the browser sends them.
// A real app looks up its session cookie here; a first room takes a display name.
export const handle = handleSocket(({ cookies }) => ({
	locals: { name: cookies.get('name') ?? 'guest' }
}));
