// liverpc/server, with `params` typed from this folder's name: { roomId: string }.
import { admit, call, error, event, join, presence } from './$socket';
import * as v from 'valibot';
import * as messages from '$lib/server/messages';
import { sendInput } from '$lib/server/message-text';
import * as rooms from '$lib/server/rooms';
import type { ChatMessage, Typing } from '$lib/types';

// The contract of every tenant room, rooms/<roomId>/chat. Identity comes only from
// locals.user, which hooks.socket.ts made from the session cookie.

/**
 * A message someone posted, pushed to every member (the sender too). Its `history` is the
 * only way the page gets older messages: they arrive as `message` events when the room is
 * joined (the 50 latest), and whatever the member missed when it comes back after a
 * reconnect or a restart, so the page keeps one list, in id order, each message once. With
 * `before` set it gives the page before that message: "Load earlier messages".
 */
export const message = event<ChatMessage>({
	id: 'id',
	history: ({ params, lastEventId, limit, before }) => messages.since(params.roomId, lastEventId, limit, before)
});

// Runs on every join and on every re-join after a reconnect, so a user who signed out or
// lost access is refused again (and the history above is only read once it has passed).
// What it admits the member with (the signed-in user) is what the calls below read.
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
	return admit({ member: { user: locals.user }, reply: { room: { id: room.id, name: room.name } } });
});

// Who is here, for the page's "here now" line: built from the admitted user on the server,
// one entry per user however many tabs they have open.
export const online = presence(enter, ({ member }) => ({ id: member.user.id, name: member.user.name }));

// Only members reach a call, so `member.user` is the user the guard above admitted.
export const send = call(enter, sendInput, async ({ text, key }, { params, member }) => {
	// Saved before the reply and the event, so nothing acknowledged can be lost. A copy sent
	// again under the same key (its reply was lost) gets the first one, announced once.
	const { message: saved, created } = messages.add(params.roomId, member.user, text, key);
	if (created) message.emit(saved);
	return saved;
});

/**
 * Who is typing, for the "Alice is typing…" line. Volatile: not stored, not logged, not
 * replayed to who joins later; only the latest per user counts, and each member may send
 * a few a second (`limits.volatilePerSecond`), the rest coalesced. The page drops an entry
 * that was not renewed within a few seconds, so a closed tab does not type forever.
 */
export const typing = event<Typing>({ volatile: { key: 'userId' } });

// Started (true) or stopped (false) typing; the name comes from the admitted user, never the input.
export const setTyping = call(enter, v.boolean(), (isTyping, { member }) => {
	typing.emit({ userId: member.user.id, name: member.user.name, typing: isTyping });
});
