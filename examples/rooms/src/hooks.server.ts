import type { Handle } from '@sveltejs/kit';
import { getSession } from '$lib/server/sessions';

// Pages, form actions and endpoints learn who is signed in here, from the same cookie
// hooks.socket.ts reads for realtime connections.
export const handle: Handle = async ({ event, resolve }) => {
	const sessionId = event.cookies.get('session');
	event.locals.user = sessionId ? getSession(sessionId)?.user : undefined;
	return resolve(event);
};
