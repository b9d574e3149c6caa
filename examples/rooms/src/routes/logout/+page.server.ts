import { redirect } from '@sveltejs/kit';
import { deleteSession } from '$lib/server/sessions';
import type { Actions } from './$types';

export const actions: Actions = {
	default: ({ cookies }) => {
		const sessionId = cookies.get('session');
		// Deleting the row, not just the cookie, makes a copied cookie useless too.
		if (sessionId) deleteSession(sessionId);
		cookies.delete('session', { path: '/' });
		redirect(303, '/');
	}
};
