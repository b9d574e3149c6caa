import { fail } from '@sveltejs/kit';
import * as v from 'valibot';
import { LOBBY_ID } from '$lib/server/db';
import * as messages from '$lib/server/messages';
import { messageText } from '$lib/server/message-text';
import type { Actions } from './$types';
import { message } from './chat.socket';

// Like the tenant rooms, the lobby's history comes only from the socket's join reply.

export const actions: Actions = {
	// The send form without JavaScript: the same rules as the socket call, the same live event.
	send: async ({ request, locals }) => {
		const raw = (await request.formData()).get('text');

		if (!locals.user) return fail(401, { status: 401, message: 'Sign in to post in the lobby' });
		const parsed = v.safeParse(messageText, raw);
		if (!parsed.success) return fail(400, { status: 400, message: parsed.issues[0].message });

		const saved = messages.add(LOBBY_ID, locals.user, parsed.output);
		// The lobby route has no params, so its one room is picked with an empty object.
		message.to({}).emit(saved);
		return { sent: true };
	}
};
