import { redirect } from '@sveltejs/kit';
import { revoke } from 'liverpc/server';
import { deleteSession } from '$lib/server/sessions';
import type { Actions } from './$types';

export const actions: Actions = {
	default: async ({ cookies, locals }) => {
		const sessionId = cookies.get('session');
		// Deleting the row, not just the cookie, makes a copied cookie useless too.
		if (sessionId) deleteSession(sessionId);
		cookies.delete('session', { path: '/' });
		// Realtime connections made their locals at their handshake: end this user's, so every
		// other open tab reconnects, the socket hook finds no session, and its rooms refuse it.
		// Tabs of the user's other, still valid sessions reconnect as themselves.
		const userId = locals.user?.id;
		if (userId) await revoke(`user:${userId}`);
		redirect(303, '/');
	}
};
