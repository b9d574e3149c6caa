import { fail } from '@sveltejs/kit';
import * as v from 'valibot';
import { LOBBY_ID } from '$lib/server/db';
import * as messages from '$lib/server/messages';
import { sendInput } from '$lib/server/message-text';
import { loadRoom } from 'liverpc/server';
import type { Actions, PageServerLoad } from './$types';
import * as chat from './chat.socket';

const { message } = chat;

// Like the tenant rooms, the lobby is read as a join would read it while the page renders.
export const load: PageServerLoad = async (event) => ({ chat: await loadRoom(chat, event) });

export const actions: Actions = {
	// The send form without JavaScript: the same rules as the socket call, the same live event.
	send: async ({ request, locals }) => {
		const form = await request.formData();

		if (!locals.user) return fail(401, { status: 401, message: 'Sign in to post in the lobby' });
		// A form field is a string or a File; the key field may be left out.
		const parsed = v.safeParse(sendInput, { text: form.get('text'), key: form.get('key') ?? undefined });
		if (!parsed.success) return fail(400, { status: 400, message: parsed.issues[0].message });

		const { message: saved, created } = messages.add(LOBBY_ID, locals.user, parsed.output.text, parsed.output.key);
		// The lobby route has no params, so its one room is picked with an empty object.
		if (created) message.to({}).emit(saved);
		return { sent: true };
	}
};
