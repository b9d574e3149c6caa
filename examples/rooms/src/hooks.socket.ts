import { handleSocket } from 'liverpc/server';
// Apart from the import of the `options` type, this file's hook is the tutorial's code as it is.
import type { LiveOptions } from 'liverpc/server';
import { redisClient } from '$lib/server/scale-out';
import { getSession } from '$lib/server/sessions';

export const handle = handleSocket(async ({ cookies }) => {
	const sessionId = cookies.get('session');
	const session = sessionId ? await getSession(sessionId) : undefined;
	return {
		locals: {
			// Socket handlers read locals.user, never browser-supplied identity.
			user: session?.user
		},
		// Until when these locals hold: then the hook runs again on the open connection, so a
		// session that expired or was deleted stops acting without a revoke().
		expires: session?.expiresAt
	};
});

// LiveRPC's options: `vite dev`, `node build` and server.js all read them from here. A page
// of this app holds one room at a time (two while it navigates), so a connection needs far
// fewer than the default 50; ORIGIN and the proxy headers come from the environment.
export const options: LiveOptions = {
	limits: { maxRooms: 10, joinBurst: 10 },
	// At the latest this often (ms) the hook checks an open connection's session again.
	localsMaxAge: Number(process.env.LOCALS_MAX_AGE || 5 * 60_000),
	// What a sign-out revokes (routes/logout): every connection of that user, on every process.
	keys: (locals) => (locals.user ? [`user:${locals.user.id}`] : []),
	// Several processes on one Redis when REDIS_URL is set (docs/scale-out.md).
	redis: await redisClient(process.env.REDIS_URL)
};
