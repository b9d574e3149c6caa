import { fail, redirect } from '@sveltejs/kit';
import { createSession, SESSION_MAX_AGE_SECONDS, verifyLogin } from '$lib/server/sessions';
import type { Actions } from './$types';

export const actions: Actions = {
	default: async ({ request, cookies, url }) => {
		const form = await request.formData();
		const username = form.get('username');
		const password = form.get('password');
		if (typeof username !== 'string' || typeof password !== 'string') {
			return fail(400, { message: 'Enter a username and a password', username: '' });
		}

		const user = await verifyLogin(username.trim(), password);
		// One message for both mistakes, so the form does not tell which usernames exist.
		if (!user) return fail(400, { message: 'Wrong username or password', username });

		cookies.set('session', createSession(user.id), {
			path: '/',
			// httpOnly: page scripts never need the id; the browser sends it with the socket handshake.
			httpOnly: true,
			// lax: sent on top-level navigation to the app, not with cross-site subrequests.
			sameSite: 'lax',
			secure: url.protocol === 'https:',
			maxAge: SESSION_MAX_AGE_SECONDS
		});
		redirect(303, '/rooms');
	}
};
