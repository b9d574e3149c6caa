import { fail } from '@sveltejs/kit';
import * as v from 'valibot';
import * as messages from '$lib/server/messages';
import { sendInput } from '$lib/server/message-text';
import * as rooms from '$lib/server/rooms';
import { loadRoom } from 'liverpc/server';
import type { Actions, PageServerLoad } from './$types';
import * as chat from './chat.socket';

const { message } = chat;

// The room as a join would find it, read while the page renders: the socket hook runs on
// this request's cookies, then the room's join guard and the history of its messages, so
// someone from another tenant who opens this URL gets the guard's refusal and nothing else.
// The page shows it before any script runs, and the browser's socket joins from there.
export const load: PageServerLoad = async (event) => ({ chat: await loadRoom(chat, event) });

// The status travels in the body too, so the page can show it the way it shows a LiveError.
function refuse(status: number, message: string) {
	return fail(status, { status, message });
}

export const actions: Actions = {
	// The send form without JavaScript. Same checks as the socket guard and call, then the
	// same live event, so members with an open tab see the message at once.
	send: async ({ request, params, locals }) => {
		const form = await request.formData();

		if (!locals.user) return refuse(401, 'Sign in to chat');
		const room = rooms.get(params.roomId);
		if (!room) return refuse(404, 'No such room');
		if (room.tenantId !== locals.user.tenantId) return refuse(403, 'This room belongs to another tenant');

		// A form field is a string or a File; the key field may be left out.
		const parsed = v.safeParse(sendInput, { text: form.get('text'), key: form.get('key') ?? undefined });
		if (!parsed.success) return refuse(400, parsed.issues[0].message);

		// The page's form carries a key of its own, so a post sent twice stores one message.
		const { message: saved, created } = messages.add(params.roomId, locals.user, parsed.output.text, parsed.output.key);
		if (created) message.to({ roomId: params.roomId }).emit(saved);
		return { sent: true };
	}
};
