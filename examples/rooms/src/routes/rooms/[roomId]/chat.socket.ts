import * as v from 'valibot';
import { call, error, event, join } from 'liverpc/server';
import * as messages from '$lib/server/messages';
import { messageText } from '$lib/server/message-text';
import * as rooms from '$lib/server/rooms';
import type { ChatMessage } from '$lib/types';

// The contract of every tenant room, rooms/<roomId>/chat. Identity comes only from
// locals.user, which hooks.socket.ts made from the session cookie.

/** A message someone posted, pushed to every member (the sender too). */
export const message = event<ChatMessage>();

// Runs on every join and on every re-join after a reconnect, so a user who signed out or
// lost access is refused again. The reply is the only way the page gets the history.
export const enter = join(async ({ params, locals }) => {
	if (!locals.user) error(401, 'Sign in to chat');
	const room = rooms.get(params.roomId);
	if (!room) error(404, 'No such room');
	if (room.tenantId !== locals.user.tenantId) {
		// Somebody tried a room of another tenant: worth a line in the server log (never sent
		// to the browser), tagged so it is easy to find there and in the server build.
		console.warn('[LIVERPC-SERVER-ONLY-SOCKET-MARKER] cross-tenant join refused', {
			user: locals.user.id,
			tenant: locals.user.tenantId,
			room: room.id
		});
		error(403, 'This room belongs to another tenant');
	}
	return { room: { id: room.id, name: room.name }, history: messages.latest(params.roomId, 50) };
});

// Only members reach a call, and the guard above already checked them; locals cannot change
// during a connection, so the check below is a seatbelt, not a second guard.
export const send = call(v.object({ text: messageText }), async ({ text }, { params, locals }) => {
	if (!locals.user) error(401, 'Sign in to chat');
	// Saved before the reply and the event, so nothing acknowledged can be lost.
	const saved = messages.add(params.roomId, locals.user, text);
	message.emit(saved);
	return saved;
});
