import { error, json } from '@sveltejs/kit';
import * as v from 'valibot';
import * as messages from '$lib/server/messages';
import { sendInput } from '$lib/server/message-text';
import * as rooms from '$lib/server/rooms';
import type { RequestHandler } from './$types';
import { message } from '../chat.socket';

// POST /rooms/<roomId>/messages with a JSON body { text, key? }: for scripts and bots that
// post as a signed-in user (the session cookie). The same checks as the socket guard and
// call, then the same live event, emitted from ordinary SvelteKit server code.
export const POST: RequestHandler = async ({ request, params, locals }) => {
	if (!locals.user) error(401, 'Sign in to chat');
	const room = rooms.get(params.roomId);
	if (!room) error(404, 'No such room');
	if (room.tenantId !== locals.user.tenantId) error(403, 'This room belongs to another tenant');

	const parsed = v.safeParse(sendInput, await request.json().catch(() => undefined));
	if (!parsed.success) error(400, parsed.issues[0].message);

	const { message: saved, created } = messages.add(params.roomId, locals.user, parsed.output.text, parsed.output.key);
	if (created) message.to({ roomId: params.roomId }).emit(saved);
	return json(saved, { status: created ? 201 : 200 });
};
