import { handleSocket } from 'liverpc/server';
import { getSession } from '$lib/server/sessions';

export const handle = handleSocket(async ({ cookies }) => {
	const sessionId = cookies.get('session');
	const session = sessionId ? await getSession(sessionId) : undefined;
	return {
		locals: {
			// Socket handlers read locals.user, never browser-supplied identity.
			user: session?.user
		}
	};
});
